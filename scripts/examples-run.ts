/**
 * npm run --silent examples -- [--python 3.13] [--flavor debian] [--example NAME ...]
 *     [--builder-image REF --runtime-image REF] [--no-extra-ca] [--json FILE]
 *
 * Builds every example (examples/examples.json) with examples/Dockerfile in our builder
 * variant, runs it hardened in our runtime variant and verifies its work. Without
 * --builder-image/--runtime-image both variants come from `npm run --silent image:build`
 * (BuildKit-cached). Progress goes to stderr; stdout gets one line per example:
 *   PASS|FAIL <name> <image size MB> <cold start ms> <detail>
 * Exits 1 if any example fails. --json writes the results (with sizes and timings) to FILE.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { baseImage, defaultExtraCa } from "./app-build";
import { loadCatalog, selectExamples } from "./examples/catalog";
import { runMatrixCell, type CellResult } from "./examples/matrix";

export interface ExamplesOptions {
    python: string;
    flavor: "debian" | "upstream";
    examples: string[];
    builderImage?: string;
    runtimeImage?: string;
    extraCa?: string;
    json?: string;
}

const USAGE = "usage: examples [--python 3.13] [--flavor debian|upstream] [--example NAME ...] [--builder-image REF --runtime-image REF] [--no-extra-ca] [--json FILE]";

export function parseExamplesArgs(argv: string[]): ExamplesOptions {
    const { values } = parseArgs({
        args: argv, strict: true, allowPositionals: false,
        options: {
            python: { type: "string", default: "3.13" },
            flavor: { type: "string", default: "debian" },
            example: { type: "string", multiple: true, default: [] },
            "builder-image": { type: "string" },
            "runtime-image": { type: "string" },
            "no-extra-ca": { type: "boolean", default: false },
            json: { type: "string" },
        },
    });
    if (!/^3\.[0-9]+$/.test(values.python)) throw new Error(`option --python: ${JSON.stringify(values.python)} is not a minor; accepted: e.g. 3.13. ${USAGE}`);
    if (values.flavor !== "debian" && values.flavor !== "upstream") throw new Error(`option --flavor: ${JSON.stringify(values.flavor)}; accepted: debian, upstream. ${USAGE}`);
    if ((values["builder-image"] === undefined) !== (values["runtime-image"] === undefined)) {
        throw new Error(`options --builder-image and --runtime-image go together (the venv built in one runs in the other). ${USAGE}`);
    }
    return {
        python: values.python, flavor: values.flavor, examples: values.example,
        builderImage: values["builder-image"], runtimeImage: values["runtime-image"],
        extraCa: values["no-extra-ca"] ? undefined : defaultExtraCa(), json: values.json,
    };
}

export function formatLine(r: CellResult): string {
    const mb = r.sizeBytes !== undefined ? (r.sizeBytes / 1e6).toFixed(1) : "-";
    return `${r.ok ? "PASS" : "FAIL"} ${r.name} ${mb} ${r.coldStartMs ?? "-"} ${r.detail.split("\n")[0]}`;
}

async function main(): Promise<void> {
    const o = parseExamplesArgs(process.argv.slice(2));
    const examples = selectExamples(loadCatalog(), o.examples);
    process.stderr.write(`examples: ${examples.length} on Python ${o.python} (${o.flavor})\n`);
    const builderImage = o.builderImage ?? await baseImage(o.python, o.flavor, "builder", "linux/amd64");
    const runtimeImage = o.runtimeImage ?? await baseImage(o.python, o.flavor, "runtime", "linux/amd64");
    const results: CellResult[] = [];
    for (const e of examples) {
        const r = await runMatrixCell(e, { builderImage, runtimeImage, extraCa: o.extraCa });
        results.push(r);
        process.stdout.write(`${formatLine(r)}\n`);
        if (!r.ok) process.stderr.write(`examples: ${e.name} failed:\n${r.detail}\n`);
    }
    if (o.json) fs.writeFileSync(o.json, JSON.stringify({ python: o.python, flavor: o.flavor, builderImage, runtimeImage, results }, null, 2) + "\n");
    const failed = results.filter((r) => !r.ok).map((r) => r.name);
    process.stderr.write(`examples: ${results.length - failed.length} passed, ${failed.length} failed${failed.length ? ` (${failed.join(", ")})` : ""}\n`);
    if (failed.length) process.exit(1);
}

if (require.main === module) {
    main().catch((e: Error) => {
        process.stderr.write(`examples: ${e.message}\n`);
        process.exit(1);
    });
}
