// `npm run --silent image:matrix [-- --minors 3.13,3.14 --platforms linux/amd64,linux/arm64 --python-mirror URL --variants runtime,builder]`
//
// The full upstream matrix, not part of .ci/run: every minor of image/python-versions.json
// (production options: PGO+LTO on amd64, LTO on arm64, which runs under qemu), both
// architectures, then the checks that apply to each image. Prints one result line per cell
// and a summary; exits 1 if any cell failed. Expect hours on 2 cores (PGO under contention).
// Here python.org is unreachable: pass --python-mirror with a mirror that has the pinned
// tarballs (scripts/python-mirror.ts serves what Debian's pool has).
import * as path from "path";
import { CHECKS } from "../image/checks/checks";
import { readPythonVersions } from "../config/pythonVersions";
import { parseBuildArgs, runBuild } from "./image-build";
import { PLATFORMS, VARIANTS } from "../components/constants";

const ROOT = path.resolve(__dirname, "..");

async function main(argv: string[]): Promise<number> {
    const arg = (n: string) => (argv.indexOf(`--${n}`) >= 0 ? argv[argv.indexOf(`--${n}`) + 1] : undefined);
    const { file, warnings } = readPythonVersions(path.join(ROOT, "image/python-versions.json"));
    warnings.forEach((w) => console.error(`WARNING: ${w}`));
    const minors = arg("minors")?.split(",") ?? file.pythons.map((p) => p.minor);
    const platforms = arg("platforms")?.split(",") ?? [...PLATFORMS];
    const variants = arg("variants")?.split(",") ?? [...VARIANTS];
    const mirror = arg("python-mirror");
    const results: string[] = [];
    let failed = 0;
    for (const minor of minors) {
        for (const platform of platforms) {
            const refs: Record<string, string> = {};
            const cell = `${minor} ${platform}`;
            try {
                for (const variant of variants) {
                    refs[variant] = await runBuild(parseBuildArgs(["--python", minor, "--flavor", "upstream", "--variant", variant, "--platform", platform,
                        ...(mirror ? ["--python-mirror", mirror] : [])]));
                }
                const lock = path.join(ROOT, "image/locks", `upstream-${minor}.json`);
                for (const c of CHECKS) {
                    if (c.needs && !refs[c.needs]) continue;
                    c.run({ image: refs.runtime, debug: refs.debug, builder: refs.builder, platform, lock });
                }
                results.push(`PASS ${cell} ${refs.runtime}`);
            } catch (e) {
                failed++;
                results.push(`FAIL ${cell}: ${e instanceof Error ? e.message.split("\n")[0] : e}`);
            }
            console.error(results[results.length - 1]);
        }
    }
    console.log(results.join("\n"));
    console.log(`image:matrix: ${results.length - failed} passed, ${failed} failed`);
    return failed ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((c) => process.exit(c), (e) => {
        console.error(`image:matrix: ${e instanceof Error ? e.message : e}`);
        process.exit(1);
    });
}
