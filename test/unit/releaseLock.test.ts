// The release lock's reader, validator and writer (config/releaseLock.ts): the contract the
/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are mutated as plain JSON */
// rebuild pipeline writes and imageSource release-lock reads. Errors name the file, the JSON
// path and what is accepted.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { formatReleaseLock, lockedApp, lockedImage, lockedImageSet, readReleaseLock, validateReleaseLock, writeReleaseLock, type ReleaseLock } from "../../config/releaseLock";

const FIXTURE = path.join(__dirname, "..", "fixtures", "release-lock", "local.json");
const F = "lock.json";
const good = (): ReleaseLock => JSON.parse(fs.readFileSync(FIXTURE, "utf8"));

describe("release lock (config/releaseLock.ts)", () => {
    it("accepts the contract's shape and returns it unchanged", () => {
        assert.deepStrictEqual(validateReleaseLock(good(), F), good());
    });
    const bad: [string, (l: any) => void, RegExp][] = [
        ["schemaVersion", (l) => (l.schemaVersion = 2), /lock\.json: \$\.schemaVersion is 2; accepted: 1$/],
        ["repositoryUrl with a scheme", (l) => (l.repositoryUrl = "http://127.0.0.1:5000"), /\$\.repositoryUrl is "http:\/\/127\.0\.0\.1:5000"; accepted: a registry host\[:port\]\[\/path\]/],
        ["unknown flavour", (l) => (l.images.alpine = {}), /\$\.images\.alpine is "alpine"; accepted: a flavour: upstream, debian/],
        ["bad minor", (l) => (l.images.debian["3"] = {}), /\$\.images\.debian\["3"\] is "3"; accepted: a Python minor such as 3\.13/],
        ["unknown variant", (l) => (l.images.debian["3.13"].slim = l.images.debian["3.13"].runtime), /\$\.images\.debian\["3\.13"\]\.slim is "slim"; accepted: a variant: runtime, debug, builder/],
        ["tag without the variant suffix", (l) => (l.images.debian["3.13"].debug.tag = "3.13.5-0123456789ab"), /\$\.images\.debian\["3\.13"\]\.debug\.tag is "3\.13\.5-0123456789ab"; accepted: a tag matching/],
        ["tag of another minor", (l) => (l.images.debian["3.13"].runtime.tag = "3.14.1-0123456789ab"), /\.runtime\.tag is "3\.14\.1-0123456789ab"/],
        ["short digest", (l) => (l.images.debian["3.13"].runtime.digest = "sha256:abc"), /\.runtime\.digest is "sha256:abc"; accepted: sha256:<64 lowercase hex>/],
        ["ref of another image", (l) => (l.images.debian["3.13"].runtime.ref = l.images.debian["3.13"].runtime.ref.replace("python-debian", "python")), /\.runtime\.ref is "127\.0\.0\.1:5000\/python@sha256:[0-9a-f]{64}"; accepted: "127\.0\.0\.1:5000\/python-debian@sha256:[0-9a-f]{64}" \(repositoryUrl\/python-debian@digest\)/],
        ["ref with a tag", (l) => (l.apps["sample-app"].ref = "127.0.0.1:5000/sample-app:latest"), /\$\.apps\["sample-app"\]\.ref is "127\.0\.0\.1:5000\/sample-app:latest"; accepted: "127\.0\.0\.1:5000\/sample-app@sha256:/],
        ["apps missing", (l) => delete l.apps, /\$\.apps is undefined; accepted: an object keyed by app name/],
    ];
    for (const [name, mutate, message] of bad) {
        it(`refuses ${name}, naming the file, the JSON path and what is accepted`, () => {
            const lock = good();
            mutate(lock);
            assert.throws(() => validateReleaseLock(lock, F), message);
        });
    }
    it("names the file when it is missing or not JSON", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lock-"));
        assert.throws(() => readReleaseLock(path.join(dir, "none.json")), /none\.json: cannot read the release lock \(ENOENT\)/);
        fs.writeFileSync(path.join(dir, "bad.json"), "{");
        assert.throws(() => readReleaseLock(path.join(dir, "bad.json")), /bad\.json: not JSON/);
        fs.rmSync(dir, { recursive: true });
    });
    it("writes what it reads back (and refuses to write an invalid lock)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lock-"));
        const file = path.join(dir, "sub", "release-lock.json");
        writeReleaseLock(file, good());
        assert.deepStrictEqual(readReleaseLock(file), good());
        assert.strictEqual(fs.readFileSync(file, "utf8"), formatReleaseLock(good(), file));
        const broken = { ...good(), repositoryUrl: "" };
        assert.throws(() => writeReleaseLock(file, broken), /\$\.repositoryUrl is ""/);
        assert.deepStrictEqual(readReleaseLock(file), good(), "a refused write left the old lock in place");
        fs.rmSync(dir, { recursive: true });
    });
    it("looks up images and apps, naming what the lock holds when one is missing", () => {
        const lock = good();
        assert.strictEqual(lockedImage(lock, F, "debian", "3.13", "debug").tag, "3.13.5-0123456789ab-debug");
        assert.throws(() => lockedImage(lock, F, "upstream", "3.13", "runtime"), /lock\.json: \$\.images\.upstream\["3\.13"\]\.runtime is missing; the lock holds: debian\/3\.13\/runtime, debian\/3\.13\/debug, debian\/3\.13\/builder/);
        assert.match(lockedApp(lock, F, "sample-app").ref, /^127\.0\.0\.1:5000\/sample-app@sha256:/);
        assert.throws(() => lockedApp(lock, F, "other"), /\$\.apps\["other"\] is missing; the lock holds: sample-app/);
    });
    it("builds the stack's imageRefs/imageTags for the configured matrix only", () => {
        const lock = good();
        const set = lockedImageSet(lock, F, "debian", ["3.13"], ["runtime"]);
        assert.deepStrictEqual(set, { refs: { "3.13": { runtime: lock.images.debian!["3.13"].runtime!.ref } }, tags: { "3.13": { runtime: "3.13.5-0123456789ab" } } });
    });
});
