// The builder has no compiler, so examples/Dockerfile installs binary-only: a locked package
// that has no wheel (only an sdist) must fail the build loudly, naming the package, instead
// of being compiled. The control shows the sdist was visible: without --only-binary pip picks
// it and tries to build it.
import * as assert from "assert";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../app/harness";
import { exampleBaseImages } from "./base";
import { buildExample } from "../../scripts/examples/build";
import type { Example } from "../../scripts/examples/catalog";

describe("examples/Dockerfile installs binary-only", function () {
    this.timeout(10 * 60 * 1000);
    let dir = "";
    let lock = "";
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "binary-only-"));
        lock = path.join(dir, "lock");
        const pkg = path.join(dir, "sdonly-1.0");
        fs.mkdirSync(pkg);
        fs.mkdirSync(lock);
        fs.mkdirSync(path.join(dir, "src", "app_pkg"), { recursive: true });
        fs.writeFileSync(path.join(dir, "src", "app_pkg", "__init__.py"), "");
        // An sdist whose build backend does not exist: if anything tried to build it, it fails
        // with BackendUnavailable, which tells "refused" from "tried" apart.
        fs.writeFileSync(path.join(pkg, "pyproject.toml"), '[build-system]\nrequires = []\nbuild-backend = "no_such_backend"\n\n[project]\nname = "sdonly"\nversion = "1.0"\n');
        fs.writeFileSync(path.join(pkg, "PKG-INFO"), "Metadata-Version: 2.1\nName: sdonly\nVersion: 1.0\n");
        const tar = spawnSync("tar", ["-czf", path.join(lock, "sdonly-1.0.tar.gz"), "-C", dir, "sdonly-1.0"]);
        assert.strictEqual(tar.status, 0, String(tar.stderr));
        const hash = crypto.createHash("sha256").update(fs.readFileSync(path.join(lock, "sdonly-1.0.tar.gz"))).digest("hex");
        fs.writeFileSync(path.join(lock, "requirements.txt"), `--no-index\n--find-links /run/lock\nsdonly==1.0 --hash=sha256:${hash}\n`);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("a locked package without a wheel fails the build, named, and nothing is compiled", async () => {
        const example: Example = {
            name: "sdist-only", description: "binary-only fixture", installer: "pip",
            lock: path.relative(ROOT, lock), src: path.relative(ROOT, path.join(dir, "src")), package: "app_pkg",
            mode: "job", network: "none", fixtures: [], command: ["-c", "pass"], verify: "pandas",
        };
        await assert.rejects(buildExample(example, await exampleBaseImages()), (e: Error) => {
            assert.match(e.message, /No matching distribution found for sdonly==1\.0/);
            assert.doesNotMatch(e.message, /BackendUnavailable|no_such_backend/);
            return true;
        });
    });

    it("control: the same lock without --only-binary makes pip try to build the sdist", async () => {
        const { builderImage } = await exampleBaseImages();
        const r = spawnSync("docker", ["run", "--rm", "--network", "none", "-v", `${lock}:/run/lock:ro`, "--entrypoint", "/bin/sh", builderImage, "-c",
            "python3 -m venv --without-pip /tmp/v && python3 -m pip --python /tmp/v/bin/python install --no-cache-dir --require-hashes --no-deps -r /run/lock/requirements.txt"], { encoding: "utf8" });
        assert.notStrictEqual(r.status, 0);
        assert.match(`${r.stdout}${r.stderr}`, /no_such_backend/);
    });
});
