// Running cosign (built by `npm run cosign:install`) and telling its two kinds of key apart.
// No transparency log anywhere: signing never uploads to Rekor (`--tlog-upload=false`: the
// registry and the key are private, and there is no Rekor offline), so verifying must skip it
// (`--insecure-ignore-tlog`); the key, not a log entry, is the proof.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { installedCosign } from "../cosign-install";

/** A Cloud KMS key with its version pinned: what cosign's gcpkms:// signer accepts. */
export const KMS_KEY = /^gcpkms:\/\/projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/locations\/[a-z0-9-]+\/keyRings\/[A-Za-z0-9_-]{1,63}\/cryptoKeys\/[A-Za-z0-9_-]{1,63}\/cryptoKeyVersions\/[0-9]+$/;

/**
 * Validates a --key / --sign-key value: a pinned gcpkms:// key version or a key file path
 * (a private key to sign, a public key to verify).
 */
export function validateKeyRef(option: string, value: string): string {
    if (value.startsWith("gcpkms://")) {
        if (!KMS_KEY.test(value)) {
            throw new Error(`option ${option}: ${JSON.stringify(value)} is not valid; accepted: gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N (the version pinned) or a key file`);
        }
        return value;
    }
    if (/^[a-z0-9]+:\/\//.test(value)) {
        throw new Error(`option ${option}: ${JSON.stringify(value)} uses a key scheme this project does not use; accepted: gcpkms://.../cryptoKeyVersions/N or a key file`);
    }
    if (value === "") throw new Error(`option ${option}: empty; accepted: gcpkms://.../cryptoKeyVersions/N or a key file`);
    return value;
}

/** The cosign binary: an explicit path, else the pinned build in the tools cache, else undefined. */
export function findCosign(explicit?: string): string | undefined {
    if (explicit !== undefined) {
        if (!fs.existsSync(explicit)) throw new Error(`option --cosign: ${explicit} does not exist; build it with npm run --silent cosign:install`);
        return path.resolve(explicit);
    }
    return installedCosign();
}

/** Runs cosign; resolves to stdout, rejects with cosign's own last lines (its reason). */
export function cosign(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
    return new Promise((resolve, reject) => {
        // COSIGN_PASSWORD: a local key file is made without a password (its file mode protects
        // it); a KMS key ignores it. COSIGN_YES: never prompt (there is no terminal).
        const child = spawn(bin, args, { env: { ...process.env, COSIGN_PASSWORD: "", COSIGN_YES: "true", ...env }, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => { out += d; });
        child.stderr.on("data", (d) => { err += d; });
        child.on("error", (e) => reject(new Error(`cannot run ${bin}: ${e.message}`)));
        child.on("close", (code) => {
            if (code === 0) resolve(out);
            else reject(new Error(`cosign ${args[0]} failed (exit ${code}): ${err.trim().split("\n").filter((l) => !/^WARNING|^error during command execution|^\s*$/.test(l)).slice(-3).join(" | ") || "no message"}`));
        });
    });
}

/**
 * A local key pair for rebuild:local (`<prefix>.key` + `<prefix>.pub`), made once and reused,
 * so every local run signs with the same key and the verify command can name its .pub.
 */
export async function ensureLocalKeyPair(bin: string, prefix: string): Promise<{ key: string; pub: string }> {
    const key = `${prefix}.key`;
    const pub = `${prefix}.pub`;
    if (fs.existsSync(key) && fs.existsSync(pub)) return { key, pub };
    fs.mkdirSync(path.dirname(prefix), { recursive: true });
    fs.rmSync(key, { force: true });
    fs.rmSync(pub, { force: true });
    await cosign(bin, ["generate-key-pair", "--output-key-prefix", prefix]);
    fs.chmodSync(key, 0o600);
    return { key, pub };
}
