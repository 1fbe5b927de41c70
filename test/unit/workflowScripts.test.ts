// The scheduled workflow's scripts (.github/scripts/) run for real against a temp Git
// repository with a bare "origin" (PUSH_URL) and a stand-in `gh` on PATH that records its
// arguments and answers `pr list` / `issue list` from a file: what is pushed, what is
// opened, and that nothing happens when nothing changed.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const SCRIPTS = path.join(__dirname, "..", "..", ".github", "scripts");

interface Sandbox { dir: string; bare: string; bin: string; calls: string; answer: string; env: NodeJS.ProcessEnv }

function git(cwd: string, ...args: string[]): string {
    return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", ...args], { cwd, encoding: "utf8" });
}

function sandbox(): Sandbox {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-scripts-"));
    const dir = path.join(root, "repo");
    const bare = path.join(root, "origin.git");
    const bin = path.join(root, "bin");
    fs.mkdirSync(bin);
    git(root, "init", "-q", "--bare", bare);
    git(root, "init", "-q", dir);
    fs.mkdirSync(path.join(dir, "image"));
    fs.writeFileSync(path.join(dir, "image", "python-versions.json"), "{}\n");
    git(dir, "add", ".");
    git(dir, "commit", "-q", "-m", "init");
    const calls = path.join(root, "gh-calls");
    const answer = path.join(root, "gh-answer");
    fs.writeFileSync(answer, "");
    // `gh`: records one line per call; list commands print the answer file.
    fs.writeFileSync(path.join(bin, "gh"), `#!/usr/bin/env bash\necho "$*" >>"${calls}"\ncase "$1 $2" in "pr list"|"issue list") cat "${answer}" ;; esac\n`, { mode: 0o755 });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, PUSH_URL: bare, GH_TOKEN: "t", GITHUB_REPOSITORY: "acme/repo", GIT_CONFIG_GLOBAL: "/dev/null" };
    return { dir, bare, bin, calls, answer, env };
}

const run = (s: Sandbox, script: string, args: string[]) => execFileSync("bash", [path.join(SCRIPTS, script), ...args], { cwd: s.dir, env: s.env, encoding: "utf8" });
const calls = (s: Sandbox) => (fs.existsSync(s.calls) ? fs.readFileSync(s.calls, "utf8").trim().split("\n") : []);

describe("scheduled workflow scripts (.github/scripts)", function () {
    this.timeout(30000);

    it("open-pr.sh: no change, no push and no pull request", () => {
        const s = sandbox();
        const body = path.join(s.dir, "..", "body");
        fs.writeFileSync(body, "why\n");
        assert.match(run(s, "open-pr.sh", ["bump/x", "title", body, "image/python-versions.json"]), /no change in image\/python-versions\.json/);
        assert.deepStrictEqual(calls(s), []);
        assert.strictEqual(git(s.bare, "branch", "--list").trim(), "");
    });

    it("open-pr.sh: commits the changed and new paths to the branch, pushes it and opens one pull request", () => {
        const s = sandbox();
        const body = path.join(s.dir, "..", "body");
        fs.writeFileSync(body, "The pipeline published new digests.\n");
        fs.writeFileSync(path.join(s.dir, "image", "python-versions.json"), '{"3.13": "3.13.9"}\n');
        fs.writeFileSync(path.join(s.dir, "image", "release-lock.json"), "{}\n");
        fs.writeFileSync(path.join(s.dir, "unrelated.txt"), "not committed\n");
        run(s, "open-pr.sh", ["release-lock/update", "release lock: new digests", body, "image/release-lock.json", "image/python-versions.json"]);
        assert.strictEqual(git(s.bare, "log", "-1", "--format=%s%n%n%b", "release-lock/update").trim(), "release lock: new digests\n\nThe pipeline published new digests.");
        assert.deepStrictEqual(git(s.bare, "show", "--name-only", "--format=", "release-lock/update").trim().split("\n").sort(), ["image/python-versions.json", "image/release-lock.json"]);
        assert.deepStrictEqual(calls(s), [
            "pr list --head release-lock/update --state open --json number --jq .[].number",
            `pr create --base main --head release-lock/update --title release lock: new digests --body-file ${body}`,
        ]);
        // A second run while that pull request is open: pushed again, not opened again.
        fs.writeFileSync(s.answer, "12\n");
        fs.writeFileSync(path.join(s.dir, "image", "release-lock.json"), '{"v": 2}\n');
        assert.match(run(s, "open-pr.sh", ["release-lock/update", "release lock: new digests", body, "image/release-lock.json"]), /already open: updated by the push/);
        assert.strictEqual(calls(s).filter((c) => c.startsWith("pr create")).length, 1);
        assert.strictEqual(git(s.bare, "show", "release-lock/update:image/release-lock.json"), '{"v": 2}\n');
    });

    it("drift-issue.sh: opens an issue naming the stack and the run, then comments on it while it stays open", () => {
        const s = sandbox();
        run(s, "drift-issue.sh", ["prod", "https://github.com/acme/repo/actions/runs/1"]);
        const [list, create] = calls(s);
        assert.match(list, /^issue list --state open --search "Drift: stack prod differs from the program" in:title/);
        assert.match(create, /^issue create --title Drift: stack prod differs from the program --body .*stack `prod` found changes: https:\/\/github\.com\/acme\/repo\/actions\/runs\/1/);
        fs.writeFileSync(s.answer, "7\n");
        run(s, "drift-issue.sh", ["prod", "https://github.com/acme/repo/actions/runs/2"]);
        assert.strictEqual(calls(s).at(-1), "issue comment 7 --body Still drifting: https://github.com/acme/repo/actions/runs/2");
    });

    /** A stand-in gcloud: `storage cp gs://b/<obj> DST` copies from a folder, `artifacts docker images describe REF` knows a list. */
    function fakeGcloud(s: Sandbox, objects: string, known: string[]): void {
        fs.writeFileSync(path.join(s.bin, "gcloud"), [
            "#!/usr/bin/env bash",
            "set -eu",
            'if [ "$1 $2" = "storage cp" ]; then src=${3#gs://bucket/}; [ -f "' + objects + '/$src" ] || { echo "ERROR: $3 not found" >&2; exit 1; }; cp "' + objects + '/$src" "$4"; exit 0; fi',
            'if [ "$1 $2 $3 $4" = "artifacts docker images describe" ]; then grep -qxF "$5" "' + objects + '/../known" || { echo "ERROR: $5 not found" >&2; exit 1; }; exit 0; fi',
            'echo "unexpected gcloud $*" >&2; exit 3',
        ].join("\n") + "\n", { mode: 0o755 });
        fs.writeFileSync(path.join(objects, "..", "known"), known.join("\n") + "\n");
    }

    it("release-lock-sync.sh: copies the published release into image/ after checking every digest in the registry", () => {
        const s = sandbox();
        const objects = path.join(s.dir, "..", "objects");
        fs.mkdirSync(path.join(objects, "release", "locks"), { recursive: true });
        const lockFile = path.join(__dirname, "..", "fixtures", "release-lock", "local.json");
        const lock = JSON.parse(fs.readFileSync(lockFile, "utf8")) as { images: Record<string, Record<string, Record<string, { ref: string }>>>; apps: Record<string, { ref: string }> };
        const refs = [...Object.values(lock.images.debian["3.13"]).map((i) => i.ref), lock.apps["sample-app"].ref];
        fs.copyFileSync(lockFile, path.join(objects, "release", "release-lock.json"));
        fs.writeFileSync(path.join(objects, "release", "python-versions.json"), '{"new": true}\n');
        fs.writeFileSync(path.join(objects, "release", "locks", "debian-3.13.json"), '{"lock": 1}\n');
        fs.mkdirSync(path.join(s.dir, "image", "locks"));
        fakeGcloud(s, objects, refs);
        const out = run(s, "release-lock-sync.sh", ["gs://bucket/release/"]);
        for (const ref of refs) assert.ok(out.includes(`checking ${ref} is in the registry`), ref);
        assert.strictEqual(fs.readFileSync(path.join(s.dir, "image", "release-lock.json"), "utf8"), fs.readFileSync(lockFile, "utf8"));
        assert.strictEqual(fs.readFileSync(path.join(s.dir, "image", "python-versions.json"), "utf8"), '{"new": true}\n');
        assert.strictEqual(fs.readFileSync(path.join(s.dir, "image", "locks", "debian-3.13.json"), "utf8"), '{"lock": 1}\n');

        // A digest the registry does not have: nothing is copied, the run fails naming it.
        const s2 = sandbox();
        fs.mkdirSync(path.join(s2.dir, "image", "locks"));
        fakeGcloud(s2, objects, refs.slice(1));
        assert.throws(() => execFileSync("bash", [path.join(SCRIPTS, "release-lock-sync.sh"), "gs://bucket/release/"], { cwd: s2.dir, env: s2.env, encoding: "utf8", stdio: "pipe" }),
            (e: { stderr: string }) => e.stderr.includes(`ERROR: ${refs[0]} not found`));
        assert.ok(!fs.existsSync(path.join(s2.dir, "image", "release-lock.json")));
    });

    it("release-lock-sync.sh refuses a URL without the trailing slash, naming what it accepts", () => {
        const s = sandbox();
        assert.throws(() => execFileSync("bash", [path.join(SCRIPTS, "release-lock-sync.sh"), "gs://bucket/release"], { cwd: s.dir, env: s.env, encoding: "utf8", stdio: "pipe" }),
            (e: { status: number; stderr: string }) => e.status === 2 && /gs:\/\/bucket\/release: expected gs:\/\/BUCKET\/PREFIX\/ \(with the trailing slash\)/.test(e.stderr));
    });
});
