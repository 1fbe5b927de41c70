/**
 * npm run image:resolve -- --python 3.13 --flavor debian [--mirror URL] [--security-mirror URL]
 *                          [--packages FILE] [--output FILE] [--arch amd64,arm64]
 *
 * Reads trixie, trixie-updates and trixie-security (InRelease verified with gpgv, Packages.xz
 * verified against it), picks the newest version of every curated package and writes the lock
 * (default image/locks/<flavor>-<minor>.json). Output is deterministic: same archive, same bytes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { readPackages, DEFAULT_KEYRING } from "./image/archive";
import { expandName, pickNewest, serializeLock, upstreamPart, validatePackageList, LAYERS, type Lock, type PackageList, type SuiteStanzas } from "./image/resolve";

const ROOT = path.resolve(__dirname, "..");
const FLAVORS = ["debian"];

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"`);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`option ${a} needs a value`);
    out[a.slice(2)] = v;
    i++;
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const known = ["python", "flavor", "mirror", "security-mirror", "packages", "output", "arch", "keyring"];
  for (const k of Object.keys(args)) if (!known.includes(k)) throw new Error(`unknown option --${k} (accepted: ${known.map((k) => `--${k}`).join(", ")})`);
  const minor = args.python;
  if (!minor || !/^3\.[0-9]+$/.test(minor)) throw new Error(`--python must be a minor version like 3.13 (got "${minor ?? ""}")`);
  const flavor = args.flavor ?? "debian";
  if (!FLAVORS.includes(flavor)) throw new Error(`--flavor must be one of ${FLAVORS.join(", ")} (got "${flavor}"); the upstream flavour's lock is written by its own step`);
  const mirror = args.mirror ?? "http://deb.debian.org/debian";
  const securityMirror = args["security-mirror"] ?? (args.mirror ? `${mirror.replace(/\/+$/, "").replace(/\/debian$/, "")}/debian-security` : "http://deb.debian.org/debian-security");
  const listFile = path.resolve(args.packages ?? path.join(ROOT, "image/packages", `${flavor}.json`));
  const output = path.resolve(args.output ?? path.join(ROOT, "image/locks", `${flavor}-${minor}.json`));
  const arches = (args.arch ?? "amd64,arm64").split(",").sort();

  const list = JSON.parse(fs.readFileSync(listFile, "utf8")) as PackageList;
  validatePackageList(list, listFile);
  const wanted = LAYERS.flatMap((layer) => (list.layers[layer] ?? []).map((p) => ({ layer, name: expandName(p.name, minor) })));
  const names = new Set(wanted.map((w) => w.name));

  const suites = [
    { mirror, suite: "trixie" },
    { mirror, suite: "trixie-updates" },
    { mirror: securityMirror, suite: "trixie-security" },
  ];
  const log = (m: string): void => void process.stderr.write(`[image:resolve] ${m}\n`);
  const cacheDir = path.join(ROOT, "node_modules/.cache/image-resolve");
  const lock: Lock = { schemaVersion: 1, flavor, python: { minor, version: "" }, suites: suites.map((s) => s.suite), architectures: {} };
  for (const arch of arches) {
    const perSuite: SuiteStanzas[] = [];
    for (const s of suites) {
      perSuite.push({ suite: s.suite, stanzas: await readPackages(s, arch, names, { keyring: args.keyring ?? DEFAULT_KEYRING, cacheDir, log }) });
    }
    lock.architectures[arch] = pickNewest(wanted, arch, perSuite);
  }
  const py = lock.architectures[arches[0]].find((p) => p.package === `python${minor}-minimal`);
  if (py) lock.python = { minor, version: upstreamPart(py.version), debianVersion: py.version };
  else lock.python = { minor, version: minor };
  const text = serializeLock(lock);
  const before = fs.existsSync(output) ? fs.readFileSync(output, "utf8") : "";
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.writeFileSync(output, text);
  log(`${path.relative(process.cwd(), output)}: ${before === text ? "unchanged" : "written"} (${arches.map((a) => `${a}: ${lock.architectures[a].length} packages`).join(", ")})`);
}

main().catch((e: Error) => {
  process.stderr.write(`image:resolve: ${e.message}\n`);
  process.exit(1);
});
