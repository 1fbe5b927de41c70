// The rebuild pipeline against a real registry: a private Debian `docker-registry` on loopback
// (its own port and storage, so stopping it hurts no other test), the Debian archive frozen
// for the test's duration (scripts/debian-mirror.ts), CPython from the loopback python.org
// mirror. Every assertion compares the registry's whole tag -> digest map before and after.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { appTag } from "../../scripts/app-build";
import { serveDebianMirror, type RunningDebianMirror } from "../../scripts/debian-mirror";
import { readReleaseLock, type ReleaseLock } from "../../config/releaseLock";
import { releaseLockRefs } from "../../scripts/image-verify";
import { ensureLocalKeyPair, findCosign } from "../../scripts/signing/cosign";
import { verifyDigest } from "../../scripts/signing/verify";
import { LocalRegistry, servedPython } from "../../scripts/lib/localRegistry";
import { manifestDigest, tags } from "../../scripts/local/registry";
import { type MirrorEntry, type RunningMirror, sharedMirror } from "../../scripts/python-mirror";

const ROOT = path.resolve(__dirname, "../..");
const PORT = Number(process.env.REBUILD_TEST_REGISTRY_PORT ?? 5001);
const REGISTRY = `127.0.0.1:${PORT}`;
const REPO = `${REGISTRY}/rb`;

type TagMap = Record<string, string>;

/** Every `repo:tag -> digest` the registry holds. */
async function tagMap(): Promise<TagMap> {
    const out: TagMap = {};
    const catalog = (await (await fetch(`http://${REGISTRY}/v2/_catalog?n=1000`)).json()) as { repositories: string[] };
    for (const repo of catalog.repositories) {
        for (const tag of await tags(REGISTRY, repo)) out[`${repo}:${tag}`] = (await manifestDigest(REGISTRY, repo, tag)) ?? "?";
    }
    return out;
}

function changed(before: TagMap, after: TagMap): string[] {
    return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => before[k] !== after[k]).sort();
}

interface RunResult { code: number | null; stdout: string; stderr: string }

function rebuild(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
    return new Promise((resolve) => {
        const child = spawn("npm", ["run", "--silent", "rebuild:local", "--", ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; process.stderr.write(String(d).split("\n").filter((l) => l.startsWith("[rebuild]")).map((l) => `      ${l}\n`).join("")); });
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

const lastLine = (s: string) => s.trim().split("\n").pop();

describe("rebuild:local: the one producer of published images", function () {
    this.timeout(60 * 60 * 1000);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "rebuild-test-"));
    const registry = new LocalRegistry(REGISTRY, path.join(work, "registry"));
    const locks = path.join(work, "locks");
    const release = path.join(work, "release");
    const lease = path.join(work, "rebuild.lease");
    let debian: RunningDebianMirror;
    let python: RunningMirror;
    let py: MirrorEntry;
    let common: string[];

    before(async function () {
        await registry.start();
        // The archive as of now, for the whole test.
        // A fixed port, as for the python.org mirror: the mirror URL is a build arg (cache reuse).
        debian = await serveDebianMirror(path.join(work, "debian-mirror"), Number(process.env.DEBIAN_MIRROR_PORT ?? 8766));
        py = await servedPython("3.13", "3.13.15");
        // The port the other upstream tests use: the mirror URL is a build arg (cache reuse).
        python = await sharedMirror(py.version);
        fs.cpSync(path.join(ROOT, "image", "locks"), locks, { recursive: true });
        fs.copyFileSync(path.join(ROOT, "image", "python-versions.json"), path.join(work, "python-versions.json"));
        common = [
            "--registry", REPO, "--minors", "3.13", "--flavors", "debian,upstream", "--platforms", "linux/amd64",
            "--locks-dir", locks, "--python-versions", path.join(work, "python-versions.json"), "--release-dir", release, "--lease-file", lease,
            "--debian-mirror", `${debian.url}/debian`, "--debian-security-mirror", `${debian.url}/debian-security`,
            "--python-mirror", python.url, "--python-version", py.version, "--python-sha256", py.sha256, "--fast",
        ];
    });
    after(async () => {
        await registry.stop();
        await debian?.close();
        await python?.close();
    });

    let first: TagMap;
    it("the first run publishes every image: immutable tags and the moving tags, and a release lock naming their digests", async () => {
        const before = await tagMap();
        const r = await rebuild(common);
        assert.strictEqual(r.code, 0, r.stderr.slice(-3000));
        assert.strictEqual(lastLine(r.stdout), "published 6");
        first = await tagMap();
        const moved = changed(before, first);
        for (const name of ["python", "python-debian"]) {
            for (const tag of ["3.13", "3.13-debug", "3.13-builder"]) assert.ok(moved.includes(`rb/${name}:${tag}`), `${name}:${tag} not published; changed: ${moved.join(", ")}`);
        }
        assert.ok(moved.includes(`rb/python:${py.version}`) && moved.includes(`rb/python:${py.version}-debug`));
        // Moving tags name the very digest of the immutable tag.
        const immutable = moved.filter((k) => /^rb\/python:3\.13\.[0-9]+-[0-9a-f]{12}-fast$/.test(k));
        assert.strictEqual(immutable.length, 1, moved.join(", "));
        assert.strictEqual(first["rb/python:3.13"], first[immutable[0]]);
        const lock = JSON.parse(fs.readFileSync(path.join(release, "release-lock.json"), "utf8")) as { images: Record<string, Record<string, Record<string, { digest: string; ref: string }>>> };
        assert.strictEqual(lock.images.upstream["3.13"].runtime.digest, first["rb/python:3.13"]);
        assert.strictEqual(lock.images.debian["3.13"].debug.ref, `${REPO}/python-debian@${first["rb/python-debian:3.13-debug"]}`);
        assert.ok(fs.existsSync(path.join(release, "locks", "debian-3.13.json")) && fs.existsSync(path.join(release, "python-versions.json")));
    });

    it("a second run with no change publishes nothing and changes nothing", async () => {
        const start = Date.now();
        const r = await rebuild(common);
        assert.strictEqual(r.code, 0, r.stderr.slice(-3000));
        assert.strictEqual(lastLine(r.stdout), "published 0");
        assert.match(r.stdout, /skipped +debian 3\.13/);
        assert.match(r.stdout, /skipped +upstream 3\.13/);
        assert.deepStrictEqual(changed(first, await tagMap()), []);
        process.stderr.write(`      no-op run: ${((Date.now() - start) / 1000).toFixed(1)} s\n`);
    });

    it("a release lock lost (or a new --release-dir) is written again from what is published, publishing nothing", async () => {
        const file = path.join(release, "release-lock.json");
        const before = fs.readFileSync(file, "utf8");
        fs.rmSync(file);
        const r = await rebuild([...common, "--no-refresh"]);
        assert.strictEqual(r.code, 0, r.stderr.slice(-3000));
        assert.strictEqual(lastLine(r.stdout), "published 0");
        assert.deepStrictEqual(changed(first, await tagMap()), []);
        assert.deepStrictEqual(JSON.parse(fs.readFileSync(file, "utf8")), JSON.parse(before));
    });

    let second: TagMap = {};
    it("a run after one (flavour, minor)'s input changes publishes only that flavour and minor's images", async () => {
        // The Debian lock changes (the Debian version string it records for Python; every package
        // stays): a new buildId for debian 3.13, and only for it. Edited as text: the build's lock
        // reader accepts only the lines the resolve step writes.
        const file = path.join(locks, "debian-3.13.json");
        const text = fs.readFileSync(file, "utf8");
        const edited = text.replace(/("debianVersion":"[^"]+)"/, '$1+rebuildtest"');
        assert.notStrictEqual(edited, text, "no debianVersion in the Debian lock");
        fs.writeFileSync(file, edited);
        const r = await rebuild([...common, "--no-refresh"]);
        assert.strictEqual(r.code, 0, r.stderr.slice(-3000));
        assert.strictEqual(lastLine(r.stdout), "published 3");
        second = await tagMap();
        const moved = changed(first, second);
        assert.ok(moved.length > 0 && moved.every((k) => k.startsWith("rb/python-debian:")), moved.join(", "));
        for (const tag of ["3.13", "3.13-debug", "3.13-builder"]) assert.ok(moved.includes(`rb/python-debian:${tag}`));
    });

    it("a candidate with a real defect (a library the interpreter needs left out of the lock) fails and changes nothing", async () => {
        const file = path.join(locks, "debian-3.13.json");
        const saved = fs.readFileSync(file);
        const lock = JSON.parse(saved.toString("utf8")) as { architectures: Record<string, { package: string }[]> };
        assert.ok(Object.values(lock.architectures).every((pkgs) => pkgs.some((p) => p.package === "libffi8")), "libffi8 is in the lock");
        // Line by line, as the resolve step writes it: only the package's own lines go.
        fs.writeFileSync(file, saved.toString("utf8").split("\n").filter((l) => !l.includes('"package":"libffi8"')).join("\n"));
        try {
            const r = await rebuild([...common, "--no-refresh", "--flavors", "debian"]);
            assert.strictEqual(r.code, 1, r.stdout);
            assert.strictEqual(lastLine(r.stdout), "published 0");
            assert.match(r.stdout, /failed +debian 3\.13/);
            // For the right reason: the build's ELF check names the missing library.
            assert.match(r.stderr, /libffi\.so\.8/);
            assert.deepStrictEqual(changed(second, await tagMap()), []);
        } finally {
            fs.writeFileSync(file, saved);
        }
    });

    it("fault: the registry stops after the immutable push, before the tags move: the run fails, no moving tag names an untested digest, and the next run converges", async () => {
        const r = await rebuild([...common, "--flavors", "debian"], { REBUILD_HOOK_AFTER_IMMUTABLE: `kill ${registry.pid()}; true` });
        assert.notStrictEqual(r.code, 0, r.stdout);
        assert.strictEqual(lastLine(r.stdout), "published 0");
        await registry.start();
        const during = await tagMap();
        // Whatever moved, the moving tags still name digests some immutable tag (a tested build) names.
        const immutableDigests = new Set(Object.entries(during).filter(([k]) => /:3\.13\.[0-9]+-[0-9a-f]{12}/.test(k)).map(([, d]) => d));
        for (const [k, d] of Object.entries(during)) if (/:3\.13(-debug|-builder)?$/.test(k)) assert.ok(immutableDigests.has(d), `${k} names ${d}, which no immutable tag names`);
        const again = await rebuild([...common, "--flavors", "debian"]);
        assert.strictEqual(again.code, 0, again.stderr.slice(-3000));
        const converged = await tagMap();
        const lockNow = JSON.parse(fs.readFileSync(path.join(release, "release-lock.json"), "utf8")) as { images: { debian: Record<string, Record<string, { digest: string }>> } };
        assert.strictEqual(converged["rb/python-debian:3.13"], lockNow.images.debian["3.13"].runtime.digest);
        const rerun = await rebuild([...common, "--flavors", "debian"]);
        assert.strictEqual(lastLine(rerun.stdout), "published 0");
    });

    it("--app: the sample app is built on the release's builder and runtime, checked, signed and recorded in the release lock; a rerun publishes nothing", async () => {
        assert.ok(findCosign(), "cosign is not installed (npm run --silent cosign:install): rebuild:local signs what it publishes with it");
        const before = await tagMap();
        const args = [...common, "--no-refresh", "--app", "debian/3.13"];
        const r = await rebuild(args);
        assert.strictEqual(r.code, 0, r.stderr.slice(-3000));
        assert.strictEqual(lastLine(r.stdout), "published 1");
        assert.match(r.stdout, /published +sample-app debian\/3\.13: /);
        const lock = JSON.parse(fs.readFileSync(path.join(release, "release-lock.json"), "utf8")) as ReleaseLock;
        const app = lock.apps["sample-app"];
        const bases = lock.images.debian!["3.13"]!;
        // Content-addressed on the app sources and the two base digests this release names.
        assert.strictEqual(app.tag, appTag(bases.builder!.ref, bases.runtime!.ref));
        assert.strictEqual(app.ref, `${REPO}/sample-app@${app.digest}`);
        const after = await tagMap();
        // The app's tag, its signature and its attestations, and nothing else, changed.
        const moved = changed(before, after);
        assert.strictEqual(after[`rb/sample-app:${app.tag}`], app.digest);
        assert.ok(after[`rb/sample-app:sha256-${app.digest.slice(7)}.sig`], `no signature of ${app.digest}; changed: ${moved.join(", ")}`);
        assert.ok(after[`rb/sample-app:sha256-${app.digest.slice(7)}.att`], `no attestations of ${app.digest}; changed: ${moved.join(", ")}`);
        assert.deepStrictEqual(moved.filter((k) => !k.startsWith("rb/sample-app:")), []);
        const rerun = await rebuild(args);
        assert.strictEqual(rerun.code, 0, rerun.stderr.slice(-3000));
        assert.strictEqual(lastLine(rerun.stdout), "published 0");
        assert.match(rerun.stdout, /skipped +sample-app debian\/3\.13: /);
        assert.deepStrictEqual(changed(after, await tagMap()), []);
    });

    it("a new signing key: the unchanged digests (images and app) are signed again with it, nothing rebuilt and no tag moved; a rerun signs nothing", async () => {
        const bin = findCosign();
        assert.ok(bin, "cosign is not installed (npm run --silent cosign:install)");
        const rotated = await ensureLocalKeyPair(bin, path.join(work, "rotated"));
        const before = await tagMap();
        const args = [...common, "--no-refresh", "--app", "debian/3.13", "--sign-key", rotated.key];
        const r = await rebuild(args);
        assert.strictEqual(r.code, 0, r.stderr.slice(-3000));
        assert.strictEqual(lastLine(r.stdout), "published 0");
        for (const what of ["debian 3.13", "upstream 3.13"]) assert.match(r.stdout, new RegExp(`skipped +${what}: .*signed again with this run's key: 6 digest\\(s\\)`));
        assert.match(r.stdout, /skipped +sample-app debian\/3\.13: .*signed again with this run's key/);
        assert.doesNotMatch(r.stderr, /: building /);
        // Only signature and attestation tags changed: every image and moving tag names what it did.
        const after = await tagMap();
        const moved = changed(before, after);
        assert.ok(moved.length > 0);
        assert.deepStrictEqual(moved.filter((k) => !/:sha256-[0-9a-f]{64}\.(sig|att)$/.test(k)), []);
        // What the deploy checks: every digest of the release lock verifies with the new key.
        const lock = readReleaseLock(path.join(release, "release-lock.json"));
        const refs = releaseLockRefs(lock);
        assert.strictEqual(refs.length, 7);
        for (const ref of refs) assert.deepStrictEqual((await verifyDigest(bin, rotated.pub, ref)).failures, [], ref);
        const rerun = await rebuild(args);
        assert.strictEqual(lastLine(rerun.stdout), "published 0");
        assert.doesNotMatch(rerun.stdout, /signed again/);
        assert.deepStrictEqual(changed(after, await tagMap()), []);
    });

    it("two runs started together: one stops with a clear message naming the lease, and the tag map stays consistent", async () => {
        const before = await tagMap();
        const [a, b] = await Promise.all([rebuild(common), rebuild(common)]);
        const stopped = [a, b].filter((x) => x.code === 3);
        assert.strictEqual(stopped.length, 1, `exit codes ${a.code}, ${b.code}`);
        assert.match(stopped[0].stderr, /another rebuild holds the lease .*rebuild\.lease \(pid [0-9]+ on .*\); this run changes nothing/);
        assert.strictEqual(lastLine(stopped[0].stdout), "published 0");
        assert.deepStrictEqual(changed(before, await tagMap()), []);
    });
});
