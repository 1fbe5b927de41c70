/**
 * npm run --silent image:check -- --image REF [--check NAME ...] [--platform linux/arm64]
 *     [--lock FILE] [--builder REF] [--debug REF]
 *
 * Runs the container checks of image/checks/ against an existing image (no build), so the
 * scheduled rebuild can check a candidate before tagging it. Prints one line per check
 * ("ok"/"FAIL"/"skip") and exits 1 if any failed.
 */
import { CHECKS, checkNames, type CheckInput } from "../image/checks/checks";

function main(argv: string[]): number {
  const input: Partial<CheckInput> = {};
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i];
    if (v === undefined) throw new Error(`option ${a} needs a value`);
    switch (a) {
      case "--image": input.image = v; break;
      case "--platform": input.platform = v; break;
      case "--lock": input.lock = v; break;
      case "--builder": input.builder = v; break;
      case "--debug": input.debug = v; break;
      case "--check":
        if (!checkNames().includes(v)) throw new Error(`option --check: unknown check "${v}"; accepted: ${checkNames().join(", ")}`);
        only.push(v);
        break;
      default:
        throw new Error(`unknown option ${a}; accepted: --image, --check, --platform, --lock, --builder, --debug`);
    }
  }
  if (!input.image) throw new Error("option --image REF is required");
  let failed = 0;
  for (const check of CHECKS) {
    if (only.length ? !only.includes(check.name) : (check.needs !== undefined && input[check.needs] === undefined)) {
      if (!only.length) process.stdout.write(`skip ${check.name} (needs --${check.needs})\n`);
      continue;
    }
    const start = Date.now();
    try {
      check.run(input as CheckInput);
      process.stdout.write(`ok   ${check.name} (${((Date.now() - start) / 1000).toFixed(1)}s): ${check.policy}\n`);
    } catch (e) {
      failed++;
      process.stdout.write(`FAIL ${check.name}: ${check.policy}\n  ${(e as Error).message.split("\n").join("\n  ")}\n`);
    }
  }
  return failed ? 1 : 0;
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (e) {
  process.stderr.write(`image:check: ${(e as Error).message}\n`);
  process.exit(2);
}
