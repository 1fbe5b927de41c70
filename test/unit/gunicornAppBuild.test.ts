// app:build's command line: the proxy CA reaches the build only as a BuildKit secret.
import * as assert from "assert";
import { buildxArgs, parseAppBuildArgs } from "../../scripts/app-build";

describe("app:build", () => {
    it("passes the CA as the extra_ca secret and never as a build arg", () => {
        const o = parseAppBuildArgs(["--builder-image", "b:1", "--runtime-image", "r:1", "--extra-ca", "/etc/hostname"], {});
        const args = buildxArgs({ ...o, builderImage: "b:1", runtimeImage: "r:1" }, "sample-app:t", "/tmp/iid");
        assert.deepStrictEqual(args.slice(args.indexOf("--secret"), args.indexOf("--secret") + 2), ["--secret", "id=extra_ca,src=/etc/hostname"]);
        assert.deepStrictEqual(args.filter((a, i) => args[i - 1] === "--build-arg"), ["BUILDER_IMAGE=b:1", "RUNTIME_IMAGE=r:1"]);
        assert.ok(args.includes("--network") && args[args.indexOf("--network") + 1] === "host");
        assert.ok(args.includes("--provenance=false") && args.includes("--sbom=false"));
    });
    it("--no-extra-ca passes no secret", () => {
        const o = parseAppBuildArgs(["--no-extra-ca", "--builder-image", "b", "--runtime-image", "r"], {});
        assert.ok(!buildxArgs({ ...o, builderImage: "b", runtimeImage: "r" }, "t", "/tmp/iid").includes("--secret"));
    });
    const bad: [string[], RegExp][] = [
        [["--builder-image", "b"], /options --builder-image and --runtime-image go together/],
        [["--python", "3"], /option --python: "3" is not supported; accepted: a minor such as 3.13/],
        [["--platform", "linux/s390x"], /option --platform: "linux\/s390x" is not supported; accepted: linux\/amd64, linux\/arm64/],
        [["--frobnicate"], /unknown option "--frobnicate"/],
        [["--extra-ca", "/nonexistent.pem"], /option --extra-ca: "\/nonexistent.pem" does not exist/],
    ];
    for (const [argv, message] of bad) {
        it(`rejects ${argv.join(" ")}`, () => assert.throws(() => parseAppBuildArgs(argv, {}), message));
    }
});
