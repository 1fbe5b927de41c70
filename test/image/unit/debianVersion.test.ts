import * as assert from "node:assert/strict";
import { compareDebianVersions, parseDebianVersion } from "../../../scripts/image/debianVersion";

describe("compareDebianVersions (dpkg --compare-versions semantics)", function () {
  const cases: [string, "<" | "=" | ">", string][] = [
    ["1.0", "<", "1.1"],
    ["1.0", "=", "1.0"],
    ["1.0-1", "<", "1.0-2"],
    ["1.0~rc1", "<", "1.0"],
    ["1.0~rc1", "<", "1.0~rc2"],
    ["1.0~~", "<", "1.0~"],
    ["1.0", "<", "1.0+deb13u1"],
    ["1.0", "<", "1.0a"],
    ["1.0a", "<", "1.0+"],
    ["2.9.0-1~deb13u1", "<", "2.9.0-1"],
    ["2.41-12", "<", "2.41-12+deb13u5"],
    ["2.41-12+deb13u4", "<", "2.41-12+deb13u5"],
    ["3.13.5-2+deb13u4", "<", "3.13.5-2+deb13u10"],
    ["1:1.0", ">", "2.0"],
    ["1:1.3.dfsg+really1.3.1-1", ">", "1.3.1-1"],
    ["0:1.0", "=", "1.0"],
    ["1.0.0", ">", "1.0"],
    ["1.00", "=", "1.0"],
    ["3.5.9-1~deb13u1", ">", "3.5.7-1~deb13u3"],
    ["1.5.7+dfsg-1", "<", "1.5.7+dfsg-1+deb13u1"],
    ["14.2.0-19", ">", "14.2.0-4"],
    ["2026a-0+deb13u1", "<", "2026f-0+deb13u1"],
    ["1.37.0-6+b9", ">", "1.37.0-6"],
  ];
  for (const [a, op, b] of cases) {
    it(`${a} ${op} ${b}`, function () {
      const got = compareDebianVersions(a, b);
      assert.equal(Math.sign(got), op === "<" ? -1 : op === "=" ? 0 : 1);
      assert.equal(Math.sign(compareDebianVersions(b, a)) + 0, -Math.sign(got) + 0);
    });
  }

  it("splits epoch, upstream and revision (the last hyphen starts the revision)", function () {
    assert.deepEqual(parseDebianVersion("1:2.3-4-5"), { epoch: 1, upstream: "2.3-4", revision: "5" });
    assert.deepEqual(parseDebianVersion("2026f"), { epoch: 0, upstream: "2026f", revision: "" });
  });

  it("rejects malformed versions with a message naming them", function () {
    assert.throws(() => parseDebianVersion(""), /invalid Debian version "": empty/);
    assert.throws(() => parseDebianVersion("a:1.0"), /epoch "a" is not a number/);
    assert.throws(() => parseDebianVersion("x1.0"), /must start with a digit/);
  });
});
