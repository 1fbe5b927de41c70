// Verifying one digest before it runs: its cosign signature, its CycloneDX SBOM attestation and
// its SLSA provenance attestation, all by the given key, and each attestation made for this very
// digest (an attestation copied from another digest has a valid signature but names another
// subject: refused here whether or not cosign itself looks). No transparency log: see cosign.ts.
import { DIGEST_REF_PATTERN } from "../../components/constants";
import { cosign } from "./cosign";
import { PROVENANCE_TYPE, SBOM_TYPE } from "./predicates";

export interface VerifyResult {
    ref: string;
    /** Empty when every check passed; else "<what>: <why>" per failed check. */
    failures: string[];
}

const REPOSITORY_AT = /^[a-z0-9.-]+(:[0-9]{1,5})?(\/[a-z0-9._-]+)+@/;

/** Refuses anything but `<registry>/<path>@sha256:<64 hex>`: a tag can move after it is verified. */
export function validateDigestRef(ref: string): string {
    if (!REPOSITORY_AT.test(ref) || !DIGEST_REF_PATTERN.test(ref)) throw new Error(`${JSON.stringify(ref)} is not a digest reference; accepted: REGISTRY/PATH@sha256:<64 hex> (verify digests, not tags: a tag can move after the check)`);
    return ref;
}

interface Statement { _type?: string; predicateType?: string; subject?: { name?: string; digest?: { sha256?: string } }[]; predicate?: unknown }

/** The in-toto statements of `cosign verify-attestation`'s output (one DSSE envelope a line). */
export function attestationStatements(out: string): Statement[] {
    return out.split("\n").filter((l) => l.trim() !== "").map((line) => {
        const envelope = JSON.parse(line) as { payload?: string };
        if (typeof envelope.payload !== "string") throw new Error("cosign printed an envelope without a payload");
        return JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8")) as Statement;
    });
}

/** Why these statements do not attest `predicateType` for `digest` (undefined: they do). */
export function attestationProblem(statements: Statement[], predicateType: string, digest: string): string | undefined {
    const ofType = statements.filter((s) => s.predicateType === predicateType);
    if (ofType.length === 0) return `no ${predicateType} attestation (found: ${statements.map((s) => s.predicateType).join(", ") || "none"})`;
    const hex = digest.replace(/^sha256:/, "");
    for (const s of ofType) {
        const subjects = (s.subject ?? []).map((x) => x.digest?.sha256);
        if (!subjects.includes(hex)) return `attestation made for another digest (subject sha256:${subjects.join(", sha256:") || "none"}, not ${digest})`;
        if (s.predicate === undefined || s.predicate === null) return `${predicateType} attestation without a predicate`;
    }
    return undefined;
}

/** Every check on one digest reference; never throws for a failed check (it is listed). */
export async function verifyDigest(bin: string, key: string, ref: string): Promise<VerifyResult> {
    const digest = ref.slice(ref.indexOf("@") + 1);
    const failures: string[] = [];
    const base = ["--key", key, "--insecure-ignore-tlog=true"];
    try {
        const payloads = JSON.parse(await cosign(bin, ["verify", ...base, "--output", "json", ref])) as { critical?: { image?: { "docker-manifest-digest"?: string } } }[];
        if (!payloads.some((p) => p.critical?.image?.["docker-manifest-digest"] === digest)) failures.push(`signature: no signature names ${digest}`);
    } catch (e) {
        failures.push(`signature: ${(e as Error).message}`);
    }
    for (const [what, type] of [["SBOM attestation", SBOM_TYPE], ["provenance attestation", PROVENANCE_TYPE]] as const) {
        try {
            const out = await cosign(bin, ["verify-attestation", ...base, "--type", type.cosign, ref]);
            const problem = attestationProblem(attestationStatements(out), type.predicateType, digest);
            if (problem) failures.push(`${what}: ${problem}`);
        } catch (e) {
            failures.push(`${what}: ${(e as Error).message}`);
        }
    }
    return { ref, failures };
}
