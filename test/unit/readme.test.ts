// Every `npm run ...` command README.md shows (code blocks and inline code) must exist in
// package.json, and every option it passes after `--` must be one the script reads (its
// source or the local modules it imports name the option). A renamed script or option
// fails here instead of in a newcomer's terminal.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseNpmRun, type ShownCommand, scriptSource, shownCommands, sourceClosure, sourcesKnowOption } from "../../scripts/lib/readmeCommands";

const ROOT = path.join(__dirname, "..", "..");
const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

/** Problems of the shown commands against package.json and the scripts' sources. */
function problems(commands: ShownCommand[], pkgScripts: Record<string, string>): string[] {
    const out: string[] = [];
    for (const c of commands) {
        const command = pkgScripts[c.script];
        if (command === undefined) {
            out.push(`README.md:${c.line}: npm run ${c.script}: no such script in package.json ("${c.text}")`);
            continue;
        }
        const source = scriptSource(command);
        if (!source || c.options.length === 0) continue;
        const texts = sourceClosure(ROOT, source).map((f) => fs.readFileSync(f, "utf8"));
        for (const option of c.options) {
            if (!sourcesKnowOption(texts, option)) out.push(`README.md:${c.line}: npm run ${c.script}: option ${option} is not read by ${source} ("${c.text}")`);
        }
    }
    return out;
}

describe("README commands", () => {
    const commands = shownCommands(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));

    it("finds the README's commands (code blocks and inline code)", () => {
        assert.ok(commands.length >= 10, `only ${commands.length} npm run commands found`);
        assert.ok(commands.some((c) => c.script === "test:all"), "the test command is shown");
    });

    it("every npm run command the README shows exists, with options its script reads", () => {
        assert.deepStrictEqual(problems(commands, scripts), []);
    });

    it("names a missing script and an unknown option (negative controls)", () => {
        const shown = shownCommands([
            "```sh",
            "npm run --silent render -- --stack dev --bogus-flag x   # comment --not-an-option",
            "npm run no:such-script",
            "```",
            "Inline: `npm run image:build -- --python 3.13 \\",
            "```bash",
            "npm run --silent image:build -- --python 3.13 \\",
            "    [--variant runtime|debug|builder] [--no-such-option]",
            "```",
        ].join("\n"));
        assert.deepStrictEqual(shown.map((c) => [c.line, c.script, c.options]), [
            [2, "render", ["--stack", "--bogus-flag"]],
            [3, "no:such-script", []],
            [7, "image:build", ["--python", "--variant", "--no-such-option"]],
        ]);
        assert.deepStrictEqual(problems(shown, scripts), [
            'README.md:2: npm run render: option --bogus-flag is not read by scripts/render.ts ("npm run --silent render -- --stack dev --bogus-flag x")',
            'README.md:3: npm run no:such-script: no such script in package.json ("npm run no:such-script")',
            'README.md:7: npm run image:build: option --no-such-option is not read by scripts/image-build.ts ("npm run --silent image:build -- --python 3.13      [--variant runtime|debug|builder] [--no-such-option]")',
        ]);
    });

    it("splits chained commands and keeps npm's own flags apart from the script's", () => {
        assert.deepStrictEqual(parseNpmRun("npm ci && npm run --silent local:up -- --help | tail -1", 1).map((c) => [c.script, c.options]), [["local:up", ["--help"]]]);
        assert.strictEqual(scriptSource("ts-node --transpile-only scripts/render.ts"), "scripts/render.ts");
        assert.strictEqual(scriptSource("mocha --config .mocharc.image.json"), undefined);
    });
});
