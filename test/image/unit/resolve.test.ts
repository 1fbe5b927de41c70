import * as assert from "node:assert/strict";
import { parsePackages, parseReleaseSha256 } from "../../../scripts/image/archive";
import { expandName, pickNewest, serializeLock, upstreamPart, validatePackageList, type Lock } from "../../../scripts/image/resolve";
import { parseBuildArgs } from "../../../scripts/image-build";
import { sourceDateEpoch, rfc3339, TRIXIE_RELEASE_EPOCH } from "../../../scripts/image/buildInputs";

const stanza = (pkg: string, version: string, arch = "amd64") =>
  ({ package: pkg, version, architecture: arch, filename: `pool/${pkg}_${version}_${arch}.deb`, sha256: "a".repeat(64), size: 1 });

describe("resolve step (pure parts)", function () {
  it("picks the newest version of each package across suites, ties to the earlier suite", function () {
    const got = pickNewest([{ layer: "runtime", name: "libc6" }, { layer: "runtime", name: "tzdata" }], "amd64", [
      { suite: "trixie", stanzas: [stanza("libc6", "2.41-12+deb13u4"), stanza("tzdata", "2026f-0+deb13u1", "all")] },
      { suite: "trixie-updates", stanzas: [stanza("tzdata", "2026f-0+deb13u1", "all")] },
      { suite: "trixie-security", stanzas: [stanza("libc6", "2.41-12+deb13u5"), stanza("libc6", "2.41-12+deb13u9", "arm64")] },
    ]);
    assert.deepEqual(got.map((p) => [p.package, p.version, p.suite]), [
      ["libc6", "2.41-12+deb13u5", "trixie-security"],
      ["tzdata", "2026f-0+deb13u1", "trixie"],
    ]);
  });

  it("names every package no suite offers", function () {
    assert.throws(() => pickNewest([{ layer: "runtime", name: "nope" }, { layer: "debug", name: "gone" }], "arm64", []), /no suite offers nope, gone for arm64/);
  });

  it("serializes a lock deterministically, one package per line", function () {
    const lock: Lock = { schemaVersion: 1, flavor: "debian", python: { minor: "3.13", version: "3.13.5", debianVersion: "3.13.5-2" }, suites: ["trixie"], architectures: {
      arm64: [{ layer: "runtime", package: "b", version: "1", architecture: "arm64", suite: "trixie", filename: "f", sha256: "0".repeat(64), size: 2 }],
      amd64: [{ layer: "runtime", package: "a", version: "1", architecture: "amd64", suite: "trixie", filename: "f", sha256: "0".repeat(64), size: 2 }],
    } };
    const text = serializeLock(lock);
    assert.equal(text, serializeLock(JSON.parse(text) as Lock));
    assert.ok(text.indexOf('"amd64"') < text.indexOf('"arm64"'));
    assert.match(text, /^ {6}\{"layer":"runtime","package":"a","version":"1","architecture":"amd64","suite":"trixie","filename":"f","sha256":"0{64}","size":2\}$/m);
  });

  it("validates the curated list: known layers, a reason per package, no duplicate in a layer", function () {
    assert.throws(() => validatePackageList({ layers: { runtime: [{ name: "a", why: "" }], debug: [], builder: [] } }, "x.json"), /x.json: layers.runtime: every package needs "name" and "why"/);
    assert.throws(() => validatePackageList({ layers: { runtime: [{ name: "a", why: "y" }, { name: "a", why: "y" }], debug: [], builder: [] } }, "x.json"), /package "a" is listed twice/);
    assert.throws(() => validatePackageList({ layers: { runtime: [], debug: [], builder: [], extra: [] } as never }, "x.json"), /unknown layer "extra" \(accepted: runtime, debug, builder\)/);
  });

  it("expands {minor} and reads the upstream part of a Debian version", function () {
    assert.equal(expandName("libpython{minor}-stdlib", "3.13"), "libpython3.13-stdlib");
    assert.equal(upstreamPart("3.13.5-2+deb13u4"), "3.13.5");
    assert.equal(upstreamPart("1:1.3.dfsg-1"), "1.3.dfsg");
  });

  it("reads Release SHA256 lines and Packages stanzas", function () {
    const rel = parseReleaseSha256("Origin: Debian\nSHA256:\n " + "b".repeat(64) + "  1234 main/binary-amd64/Packages.xz\nAcquire-By-Hash: yes\n");
    assert.deepEqual(rel.get("main/binary-amd64/Packages.xz"), { sha256: "b".repeat(64), size: 1234 });
    const pk = parsePackages("Package: a\nVersion: 1\nArchitecture: all\nFilename: pool/a.deb\nSize: 3\nSHA256: " + "c".repeat(64) + "\nDescription: x\n more\n\nPackage: b\nVersion: 2\n", new Set(["a"]));
    assert.deepEqual(pk, [{ package: "a", version: "1", architecture: "all", filename: "pool/a.deb", sha256: "c".repeat(64), size: 3, source: undefined, depends: undefined }]);
  });
});

describe("build inputs", function () {
  it("derives SOURCE_DATE_EPOCH from the lock bytes alone, within a year after trixie's release", function () {
    const e = sourceDateEpoch("lock-a");
    assert.equal(e, sourceDateEpoch(Buffer.from("lock-a")));
    assert.notEqual(e, sourceDateEpoch("lock-b"));
    assert.ok(e >= TRIXIE_RELEASE_EPOCH && e < TRIXIE_RELEASE_EPOCH + 366 * 86400);
    assert.equal(rfc3339(1754697600), "2025-08-09T00:00:00Z");
  });
});

describe("image:build options", function () {
  const table: [string[], RegExp][] = [
    [[], /option --python is required/],
    [["--python", "3"], /option --python: "3" is not a minor version; accepted: 3\.X/],
    [["--python", "3.13", "--flavor", "alpine"], /option --flavor: "alpine" is not supported; accepted: debian, upstream/],
    [["--python", "3.13", "--variant", "slim"], /option --variant: "slim" is not valid; accepted: runtime, debug, builder/],
    [["--python", "3.13", "--platform", "linux/s390x"], /option --platform: "linux\/s390x" is not valid; accepted: linux\/amd64, linux\/arm64/],
    [["--python", "3.13", "--platform", "linux/amd64,linux/arm64"], /several platforms need --push/],
    [["--python", "3.13", "--lock", "/nonexistent.json"], /option --lock: \/nonexistent.json does not exist/],
    [["--python", "3.13", "--colour", "red"], /unknown option --colour; accepted: --python/],
    [["--python", "3.13", "--build-arg", "NOEQUALS"], /--build-arg: "NOEQUALS" is not KEY=VALUE/],
  ];
  for (const [argv, msg] of table) {
    it(`rejects ${argv.join(" ") || "no options"} with a message naming the option`, function () {
      assert.throws(() => parseBuildArgs(argv), msg);
    });
  }
  it("accepts the defaults", function () {
    const o = parseBuildArgs(["--python", "3.13"]);
    assert.equal(o.flavor, "upstream");
    assert.equal(o.variant, "runtime");
    assert.deepEqual(o.platforms, ["linux/amd64"]);
    assert.match(o.lock, /image\/locks\/upstream-3\.13\.json$/);
  });
});
