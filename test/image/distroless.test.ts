/**
 * The distroless image's policies, each proved by one container check (image/checks/),
 * against the Debian flavour of Python 3.13 built once for the whole run.
 */
import { CHECKS } from "../../image/checks/checks";
import { builtImage } from "./images";

// The default CI run is 3.13 on linux/amd64; the full matrix sets these (see README "Image").
const python = process.env.IMAGE_TEST_PYTHON ?? "3.13";
const platform = process.env.IMAGE_TEST_PLATFORM ?? "linux/amd64";

describe(`distroless python-debian ${python} (${platform})`, function () {
  this.timeout(20 * 60_000);
  const refs: { image?: string; debug?: string; builder?: string } = {};

  before(async function () {
    refs.image = await builtImage({ python, platform, variant: "runtime" });
    refs.debug = await builtImage({ python, platform, variant: "debug" });
    refs.builder = await builtImage({ python, platform, variant: "builder" });
  });

  for (const check of CHECKS) {
    it(`${check.name}: ${check.policy}`, function () {
      check.run({ image: refs.image!, debug: refs.debug, builder: refs.builder, platform });
    });
  }

  it("debug variant: still non-root, and a scanner sees the lock's packages plus busybox-static", function () {
    const byName = new Map(CHECKS.map((c) => [c.name, c]));
    byName.get("non_root")!.run({ image: refs.debug!, platform });
    byName.get("scanner_sees_lock")!.run({ image: refs.debug!, platform });
  });
});
