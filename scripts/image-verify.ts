/**
 * Before rollout: verifies every digest a stack is about to deploy.
 *
 *   npm run --silent image:verify -- --key FILE|gcpkms://.../cryptoKeyVersions/N [--release-lock FILE]... [--cosign PATH] [REF@sha256:...]...
 *
 * For each digest (the release lock's images and apps, plus any REF given): the cosign
 * signature, the CycloneDX SBOM attestation and the SLSA provenance attestation, by that key and
 * made for that digest. stdout: `verified REF` per digest, then `verified <n> of <m>` (last line);
 * a failure prints `image:verify: REF: <what>: <why>` on stderr and the exit code is 1, so a
 * deploy step that runs it stops before anything runs. The transparency log is not consulted
 * (the pipeline does not upload to one): the key is the trust root.
 */
import { parseArgs } from "node:util";
import { lockedEntries, readReleaseLock, type ReleaseLock } from "../config/releaseLock";
import { findCosign, validateKeyRef } from "./signing/cosign";
import { validateDigestRef, verifyDigest } from "./signing/verify";

export const USAGE = "usage: image:verify --key FILE|gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N [--release-lock FILE]... [--cosign PATH] [REF@sha256:...]...";

/** Every digest reference a release lock deploys (images, then apps), in a stable order. */
export function releaseLockRefs(lock: ReleaseLock): string[] {
    return lockedEntries(lock).map((e) => e.ref);
}

export function parseVerifyArgs(argv: string[]): { key: string; refs: string[]; cosign?: string } {
    const { values, positionals } = parseArgs({
        args: argv, allowPositionals: true, strict: true,
        options: { key: { type: "string" }, "release-lock": { type: "string", multiple: true }, cosign: { type: "string" } },
    });
    if (!values.key) throw new Error(`option --key is required; ${USAGE}`);
    const key = validateKeyRef("--key", values.key);
    const refs = [...(values["release-lock"] ?? []).flatMap((f) => releaseLockRefs(readReleaseLock(f))), ...positionals.map(validateDigestRef)];
    if (refs.length === 0) throw new Error(`nothing to verify: give --release-lock FILE or REF@sha256:...; ${USAGE}`);
    return { key, refs: [...new Set(refs)], cosign: values.cosign };
}

async function main(): Promise<number> {
    const o = parseVerifyArgs(process.argv.slice(2));
    const bin = findCosign(o.cosign);
    if (!bin) throw new Error("cosign is not installed: npm run --silent cosign:install (or --cosign PATH)");
    let ok = 0;
    for (const ref of o.refs) {
        const r = await verifyDigest(bin, o.key, ref);
        if (r.failures.length === 0) {
            ok++;
            process.stdout.write(`verified ${ref}\n`);
        } else {
            for (const f of r.failures) process.stderr.write(`image:verify: ${ref}: ${f}\n`);
        }
    }
    process.stdout.write(`verified ${ok} of ${o.refs.length}\n`);
    return ok === o.refs.length ? 0 : 1;
}

if (require.main === module) {
    main().then((code) => process.exit(code), (e: Error) => {
        process.stderr.write(`image:verify: ${e.message}\n`);
        process.exit(2);
    });
}
