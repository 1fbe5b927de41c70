import * as assert from "assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { formatFinding, isExecLocation, parseElfCheck, resolveInRoot, scanShebangs, shebangInterpreter } from "../../../scripts/app-check/findings";
import { parseAppCheckArgs } from "../../../scripts/app-check";
import { canonicalJson, lastJson, rng } from "../../../scripts/examples/verify";

describe("app:check findings", () => {
    it("parses elf-check.pl's failures into per-file findings and ignores its summary", () => {
        const stderr = [
            "ELF check failed: missing library libgfortran.so.5 needed by /opt/app/venv/lib/python3.13/site-packages/scipy/_lib/x.so",
            "ELF check failed: missing ELF interpreter /lib/ld-musl-x86_64.so.1 needed by /opt/app/bin/tool",
            "ELF check: 2 unresolved dependencies in /tmp/r (add the package that ships the library to image/packages/)",
        ].join("\n");
        assert.deepStrictEqual(parseElfCheck(stderr), [
            { file: "/opt/app/venv/lib/python3.13/site-packages/scipy/_lib/x.so", kind: "missing-library", missing: "libgfortran.so.5" },
            { file: "/opt/app/bin/tool", kind: "missing-elf-interpreter", missing: "/lib/ld-musl-x86_64.so.1" },
        ]);
        assert.deepStrictEqual(parseElfCheck("ELF check: 10 ELF files, every interpreter and DT_NEEDED library resolves inside the image\n"), []);
        assert.strictEqual(formatFinding(parseElfCheck(stderr)[0]), "/opt/app/venv/lib/python3.13/site-packages/scipy/_lib/x.so: needs shared library libgfortran.so.5, which the image does not have");
    });

    it("reads the interpreter of a #! line as the kernel does", () => {
        assert.strictEqual(shebangInterpreter(Buffer.from("#!/opt/venv/bin/python3\nimport x\n")), "/opt/venv/bin/python3");
        assert.strictEqual(shebangInterpreter(Buffer.from("#! /usr/bin/env  python3 -u\n")), "/usr/bin/env");
        assert.strictEqual(shebangInterpreter(Buffer.from("\x7fELF...")), undefined);
        assert.strictEqual(shebangInterpreter(Buffer.from("#")), undefined);
    });

    it("only exec locations are scanned: bin/sbin dirs and the entrypoint", () => {
        assert.ok(isExecLocation("/opt/app/venv/bin/gunicorn"));
        assert.ok(isExecLocation("/usr/sbin/x"));
        assert.ok(!isExecLocation("/opt/app/venv/lib/python3.13/site-packages/numpy/testing/print_coercion_tables.py"));
        assert.ok(!isExecLocation("/etc/update-motd.d/10-uname"));
        assert.ok(isExecLocation("/opt/app/run.py", new Set(["/opt/app/run.py"])));
    });

    describe("on a tree", () => {
        let root = "";
        before(() => {
            root = fs.mkdtempSync(path.join(os.tmpdir(), "app-check-unit-"));
            fs.mkdirSync(path.join(root, "usr/bin"), { recursive: true });
            fs.mkdirSync(path.join(root, "opt/venv/bin"), { recursive: true });
            fs.writeFileSync(path.join(root, "usr/bin/python3.13"), "\x7fELF");
            fs.symlinkSync("python3.13", path.join(root, "usr/bin/python3"));
            fs.symlinkSync("usr/bin", path.join(root, "bin"));
            fs.symlinkSync("/usr/bin/python3", path.join(root, "opt/venv/bin/python"));
            // The host's /usr/bin/env exists; the tree's does not: resolution must stay inside.
            fs.symlinkSync("/usr/bin/env", path.join(root, "opt/venv/bin/env-link"));
            const script = (rel: string, text: string, mode = 0o755) => fs.writeFileSync(path.join(root, rel), text, { mode });
            script("opt/venv/bin/good", "#!/opt/venv/bin/python\n");
            script("opt/venv/bin/via-bin-link", "#!/bin/python3\n");
            script("opt/venv/bin/other-venv", "#!/build/venv/bin/python\n");
            script("opt/venv/bin/env", "#!/usr/bin/env python3\n");
            script("opt/venv/bin/relative", "#!python\n");
            script("opt/venv/bin/not-executable", "#!/nowhere/python\n", 0o644);
        });
        after(() => fs.rmSync(root, { recursive: true, force: true }));

        it("resolves symlinks relative to the tree, never the host", () => {
            assert.strictEqual(resolveInRoot(root, "/opt/venv/bin/python"), "/usr/bin/python3.13");
            assert.strictEqual(resolveInRoot(root, "/bin/python3"), "/usr/bin/python3.13");
            assert.strictEqual(resolveInRoot(root, "/opt/venv/bin/../bin/python"), "/usr/bin/python3.13");
            assert.strictEqual(resolveInRoot(root, "/usr/bin/env"), undefined);
            assert.strictEqual(resolveInRoot(root, "/opt/venv/bin/env-link"), undefined);
            assert.strictEqual(resolveInRoot(root, "/usr/bin"), undefined, "a directory is no interpreter");
        });

        it("reports exactly the executable scripts whose interpreter is missing", () => {
            const { findings, scripts } = scanShebangs(root);
            assert.strictEqual(scripts, 5);
            assert.deepStrictEqual(findings.map((f) => `${f.file} ${f.missing}`).sort(), [
                "/opt/venv/bin/env /usr/bin/env",
                "/opt/venv/bin/other-venv /build/venv/bin/python",
                "/opt/venv/bin/relative python",
            ]);
        });
    });

    it("app:check options: --image is required", () => {
        assert.throws(() => parseAppCheckArgs([]), /option --image is required/);
        assert.throws(() => parseAppCheckArgs(["--image", "x", "--platform", "linux/s390x"]), /option --platform: "linux\/s390x"; accepted: linux\/amd64, linux\/arm64/);
        assert.deepStrictEqual(parseAppCheckArgs(["--image", "x"]), { image: "x", platform: undefined });
    });
});

describe("examples verification helpers", () => {
    it("canonical JSON ignores key order only", () => {
        assert.strictEqual(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: "x" } }), '{"a":{"c":"x","d":[2,{"e":0,"f":1}]},"b":1}');
        assert.notStrictEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
    });
    it("the input generator is deterministic per seed", () => {
        const [a, b, c] = [rng(7), rng(7), rng(8)];
        const take = (f: () => number) => [f(), f(), f()];
        assert.deepStrictEqual(take(a), take(b));
        assert.notDeepStrictEqual(take(rng(7)), take(c));
    });
    it("a job's result is its last JSON line; anything else is an error quoting the output", () => {
        assert.deepStrictEqual(lastJson('warning\n{"ok":1}\n'), { ok: 1 });
        assert.throws(() => lastJson("Traceback ...\n"), /no JSON result line in the output: "Traceback/);
    });
});
