// app:check against a wheel broken on purpose (its extension needs a library it forgot to
// bundle, its console script names another venv's python) and the same wheel done right
// (library bundled in nativedemo.libs/ behind RUNPATH $ORIGIN, script shebang rewritten by
// pip). Both are installed with the examples' own Dockerfile pattern; the broken one must be
// reported by file name BEFORE it runs, and running it must then fail exactly as reported.
import * as assert from "assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../app/harness";
import { exampleBaseImages } from "./base";
import { buildExample } from "../../scripts/examples/build";
import type { Example } from "../../scripts/examples/catalog";
import { HARDENED } from "../../image/checks/lib";

/** A lock dir (the wheel + a hashed requirements.txt) and a src dir for one variant. */
function nativedemoProject(variant: "broken" | "bundled"): { dir: string; example: Example } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `app-check-${variant}-`));
    const lock = path.join(dir, "lock");
    const src = path.join(dir, "src");
    fs.mkdirSync(lock);
    fs.mkdirSync(path.join(src, "nativedemo_app"), { recursive: true });
    const whl = execFileSync("python3", [path.join(__dirname, "fixtures", "native_wheel.py"), lock, variant], { encoding: "utf8" }).trim();
    const hash = crypto.createHash("sha256").update(fs.readFileSync(whl)).digest("hex");
    fs.writeFileSync(path.join(lock, "requirements.txt"), `nativedemo @ file:///run/lock/${path.basename(whl)} --hash=sha256:${hash}\n`);
    fs.writeFileSync(path.join(src, "nativedemo_app", "__init__.py"), "");
    fs.writeFileSync(path.join(src, "nativedemo_app", "__main__.py"), "import nativedemo\nprint('answer', nativedemo.answer())\n");
    const example: Example = {
        name: `nativedemo-${variant}`, description: "app:check fixture", installer: "pip",
        lock: path.relative(ROOT, lock), src: path.relative(ROOT, src), package: "nativedemo_app",
        mode: "job", network: "none", fixtures: [], command: ["-m", "nativedemo_app"], verify: "pandas",
    };
    return { dir, example };
}

function appCheck(image: string): { code: number; stdout: string; stderr: string } {
    const r = spawnSync("npm", ["run", "--silent", "app:check", "--", "--image", image], { cwd: ROOT, encoding: "utf8" });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function runIt(image: string, args: string[]): { code: number; out: string } {
    const r = spawnSync("docker", ["run", "--rm", ...HARDENED, "--tmpfs", "/tmp", image, ...args], { encoding: "utf8" });
    return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe("app:check (an application image built on ours, inspected without running it)", function () {
    this.timeout(20 * 60 * 1000);
    const images: Record<string, string> = {};
    const dirs: string[] = [];

    before(async () => {
        const base = await exampleBaseImages();
        for (const variant of ["broken", "bundled"] as const) {
            const p = nativedemoProject(variant);
            dirs.push(p.dir);
            images[variant] = await buildExample(p.example, base);
        }
    });
    after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

    it("names the extension that needs a library the image lacks, and the script whose #! interpreter is missing", () => {
        const r = appCheck(images.broken);
        assert.strictEqual(r.code, 1, r.stderr);
        const lines = r.stdout.trim().split("\n");
        assert.strictEqual(lines.length, 2, r.stdout);
        assert.match(lines[0], /^\/opt\/app\/venv\/bin\/nativedemo-tool: script interpreter \/build\/other-venv\/bin\/python does not exist in the image$/);
        assert.match(lines[1], /^\/opt\/app\/venv\/lib\/python3\.\d+\/site-packages\/nativedemo\/_native\.so: needs shared library libexample-absent\.so\.1, which the image does not have$/);
    });

    it("was right: the broken image fails at import on exactly that library, and its script cannot exec", () => {
        const r = runIt(images.broken, ["-m", "nativedemo_app"]);
        assert.notStrictEqual(r.code, 0);
        assert.match(r.out, /libexample-absent\.so\.1: cannot open shared object file/);
        const tool = runIt(images.broken, ["-c", "import subprocess; subprocess.run(['/opt/app/venv/bin/nativedemo-tool'])"]);
        assert.match(tool.out, /No such file or directory.*nativedemo-tool|FileNotFoundError/);
    });

    it("reports nothing for the same wheel with the library bundled behind RUNPATH $ORIGIN, which runs", () => {
        const r = appCheck(images.bundled);
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
        assert.strictEqual(r.stdout, "");
        assert.match(r.stderr, /0 finding\(s\)/);
        const run = runIt(images.bundled, ["-m", "nativedemo_app"]);
        assert.strictEqual(run.code, 0, run.out);
        assert.match(run.out, /^answer 42$/m);
        const tool = runIt(images.bundled, ["-c", "import subprocess; print(subprocess.run(['/opt/app/venv/bin/nativedemo-tool'], capture_output=True, text=True).stdout)"]);
        assert.match(tool.out, /^42$/m);
    });
});
