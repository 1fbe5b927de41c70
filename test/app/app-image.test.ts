// Image configs and manifests are untyped JSON.
/* eslint-disable @typescript-eslint/no-explicit-any */
// The app image's contents, read from `docker save` layer by layer (a file deleted in a later
// layer still counts): the build CA and any token passed as a BuildKit secret are in no
// layer, the runtime has no shell and no pip, runs as 65532, and every module is precompiled.
import * as assert from "assert";
import * as crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp, defaultExtraCa } from "../../scripts/app-build";
import { APP_PYTHON, appImage, baseImages, docker } from "./harness";
import { TarEntry, isTar, maybeGunzip, readTar } from "./tar";

interface Blob { digest: string; raw: Buffer; entries: TarEntry[] }

/** Every blob of an image as `docker save` writes it, layers unpacked into their entries. */
function savedBlobs(ref: string): Blob[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "app-save-"));
    try {
        const file = path.join(dir, "image.tar");
        docker(["save", "-o", file, ref]);
        const blobs: Blob[] = [];
        for (const e of readTar(fs.readFileSync(file))) {
            if (!e.name.startsWith("blobs/sha256/") || e.type !== "0") continue;
            const raw = maybeGunzip(Buffer.from(e.data));
            blobs.push({ digest: e.name.slice("blobs/sha256/".length), raw, entries: isTar(raw) ? [...readTar(raw)] : [] });
        }
        return blobs;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** PEM certificates of a bundle: the first base64 line of each body and its DER bytes. */
function certificates(pem: string): { line: string; der: Buffer }[] {
    const out: { line: string; der: Buffer }[] = [];
    for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----\r?\n([\s\S]*?)-----END CERTIFICATE-----/g)) {
        const body = m[1].replace(/\s+/g, "");
        out.push({ line: m[1].split(/\r?\n/)[0], der: Buffer.from(body, "base64") });
    }
    return out;
}

function contains(blobs: Blob[], needle: Buffer): string | undefined {
    for (const b of blobs) {
        if (b.raw.includes(needle)) return `blob ${b.digest}`;
    }
    return undefined;
}

describe("sample app image: contents", function () {
    this.timeout(15 * 60 * 1000);

    describe("the build CA and token passed as a BuildKit secret are in no layer", () => {
        let tmp = "";
        let ref = "";
        let secretPem = "";
        let token = "";
        let runtimeBlobs: Blob[] = [];
        let runtimeRef = "";
        let appBlobs: Blob[] = [];

        before(async () => {
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), "app-secret-"));
            // The secret = the host's bundle (with the proxy CA pip needs) + a CA made for this
            // test + a token line, so the test has something unique to look for on any host.
            const key = path.join(tmp, "key.pem");
            const marker = path.join(tmp, "marker.pem");
            execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", `/CN=build-secret-marker-${crypto.randomBytes(8).toString("hex")}`, "-keyout", key, "-out", marker], { stdio: "ignore" });
            token = `build-token-${crypto.randomBytes(16).toString("hex")}`;
            const host = defaultExtraCa();
            secretPem = (host ? fs.readFileSync(host, "utf8") : "") + "\n" + fs.readFileSync(marker, "utf8") + `\n# ${token}\n`;
            const secretFile = path.join(tmp, "extra_ca.pem");
            fs.writeFileSync(secretFile, secretPem);
            const { builderImage, runtimeImage } = await baseImages();
            // --no-cache: a cached pip layer would not have seen this secret.
            ref = await buildApp({ ...APP_PYTHON, builderImage, runtimeImage, extraCa: secretFile, noCache: true, tag: `sample-app-secret-scan:${process.pid}` });
            runtimeRef = runtimeImage;
            runtimeBlobs = savedBlobs(runtimeImage);
            appBlobs = savedBlobs(ref);
        });

        after(() => {
            if (ref) docker(["rmi", ref], { allowFail: true });
            if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
        });

        it("the build used the secret (pip reached PyPI through the proxy) and the image has layers to scan", () => {
            assert.ok(appBlobs.filter((b) => b.entries.length > 0).length >= 2);
        });
        it("no layer, config or manifest contains the token", () => {
            assert.strictEqual(contains(appBlobs, Buffer.from(token)), undefined);
        });
        it("no layer contains any certificate of the secret that the runtime image does not already ship", () => {
            const extra = certificates(secretPem).filter((c) => contains(runtimeBlobs, Buffer.from(c.line)) === undefined);
            assert.ok(extra.length >= 1, "the test CA must be among the certificates looked for");
            for (const c of extra) {
                assert.strictEqual(contains(appBlobs, Buffer.from(c.line)), undefined, `PEM of a build CA found: ${c.line}`);
                assert.strictEqual(contains(appBlobs, c.der.subarray(0, 64)), undefined, "DER of a build CA found");
            }
        });
        it("the scan finds the CA and the token when a build does copy them (negative control)", () => {
            const ctx = path.join(tmp, "leak");
            fs.mkdirSync(ctx);
            fs.writeFileSync(path.join(ctx, "extra_ca.pem"), secretPem);
            const leaky = `sample-app-leak-control:${process.pid}`;
            execFileSync("docker", ["buildx", "build", "--network", "host", "--pull=false", "--provenance=false", "--progress", "quiet", "-t", leaky, "--load", "-f", "-", ctx],
                { input: `FROM ${runtimeRef}\nCOPY extra_ca.pem /etc/leaked.pem\n`, stdio: ["pipe", "ignore", "inherit"] });
            try {
                const blobs = savedBlobs(leaky);
                const marker = certificates(secretPem).at(-1)!;
                assert.ok(contains(blobs, Buffer.from(token)));
                assert.ok(contains(blobs, Buffer.from(marker.line)));
            } finally {
                docker(["rmi", leaky], { allowFail: true });
            }
        });
        it("no layer holds a file under /run/secrets", () => {
            const hits = appBlobs.flatMap((b) => b.entries.filter((e) => /(^|\/)run\/secrets\//.test(e.name)).map((e) => e.name));
            assert.deepStrictEqual(hits, []);
        });
    });

    it("app:build --push prints a digest reference the registry resolves to a manifest", async () => {
        const registry = process.env.REGISTRY_ADDR ?? "127.0.0.1:5000";
        const ref = await buildApp({ ...APP_PYTHON, ...(await baseImages()), noCache: false, extraCa: defaultExtraCa(), push: registry });
        assert.match(ref, new RegExp(`^${registry.replace(/\./g, "\\.")}/sample-app@sha256:[0-9a-f]{64}$`));
        const inspect = docker(["buildx", "imagetools", "inspect", "--raw", ref]);
        assert.match(JSON.parse(inspect).mediaType, /manifest/);
    });

    describe("runtime contents", () => {
        let ref = "";
        let files: TarEntry[] = [];
        let config: any;
        before(async () => {
            ref = await appImage();
            const blobs = savedBlobs(ref);
            files = blobs.flatMap((b) => b.entries);
            config = JSON.parse(docker(["image", "inspect", ref]))[0].Config;
        });

        it("runs as 65532:65532 with PYTHONDONTWRITEBYTECODE=1", () => {
            assert.strictEqual(config.User, "65532:65532");
            assert.ok(config.Env.includes("PYTHONDONTWRITEBYTECODE=1"), config.Env.join(" "));
        });
        it("has no shell and no package manager in any layer", () => {
            const bad = files.filter((e) => /(^|\/)(usr\/)?(s?bin)\/(sh|bash|dash|ash|busybox)$/.test(e.name) || /\/site-packages\/pip\//.test(e.name) || /(^|\/)usr\/bin\/(apt|apt-get|dpkg)$/.test(e.name));
            assert.deepStrictEqual(bad.map((e) => e.name), []);
        });
        it("has no setuid or setgid file in any layer", () => {
            assert.deepStrictEqual(files.filter((e) => e.type === "0" && (e.mode & 0o6000) !== 0).map((e) => e.name), []);
        });
        it("ships bytecode for every module of the app and its venv, hash-based and unchecked", () => {
            const names = new Set(files.map((e) => e.name.replace(/^\.?\//, "")));
            const sources = [...names].filter((n) => n.startsWith("opt/app/") && n.endsWith(".py"));
            assert.ok(sources.length > 50, `only ${sources.length} sources`);
            const missing = sources.filter((src) => {
                const dir = path.posix.dirname(src);
                const stem = path.posix.basename(src, ".py");
                return ![...names].some((n) => n.startsWith(`${dir}/__pycache__/${stem}.cpython-`) && n.endsWith(".pyc"));
            });
            assert.deepStrictEqual(missing, []);
            const pyc = files.find((e) => e.name.endsWith("sample_app/__pycache__/__init__.cpython-313.pyc") || /sample_app\/__pycache__\/__init__\.cpython-\d+\.pyc$/.test(e.name));
            assert.ok(pyc, "sample_app bytecode present");
            // PEP 552 flags word: 0b01 = hash-based, check_source off (unchecked-hash).
            assert.strictEqual(pyc.data.readUInt32LE(4), 1);
        });
    });
});
