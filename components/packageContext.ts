// The image build context this npm package ships (package.json "files": image/ without its
// test-only checks): a consumer stack builds the same image from the package alone.
//
//   new DistrolessPythonImage("py", { contextDir: packagedImageContext(),
//       lockFile: packagedLockFile("debian", "3.13"), ... })
//
// A contextDir of your own must hold every file the Dockerfile COPYs; the build spec names
// the first one missing (components/buildSpec.ts).
import * as fs from "fs";
import * as path from "path";
import type { Flavor } from "./constants";

/** The package's name in package.json: the root this module walks up to. */
export const PACKAGE_NAME = "distroless-python-gcp";

/** The package root: the nearest folder above this module whose package.json names PACKAGE_NAME. */
export function packageRoot(from: string = __dirname): string {
    for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
        const manifest = path.join(dir, "package.json");
        if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === PACKAGE_NAME) return dir;
        if (path.dirname(dir) === dir) throw new Error(`no package.json named ${PACKAGE_NAME} above ${from}; accepted: this module inside the installed ${PACKAGE_NAME} package`);
    }
}

/** `<package>/image`, checked: it must hold the Dockerfile (a partial install fails here, naming it). */
export function packagedImageContext(from?: string): string {
    const dir = path.join(packageRoot(from), "image");
    const dockerfile = path.join(dir, "Dockerfile");
    if (!fs.existsSync(dockerfile)) throw new Error(`${dockerfile} is missing: the ${PACKAGE_NAME} package ships its image/ build context; reinstall the package`);
    return dir;
}

/** The lock the package ships for a flavour and minor, `<package>/image/locks/<flavor>-<minor>.json`; a missing one fails naming it and the ones there are. */
export function packagedLockFile(flavor: Flavor, minor: string, from?: string): string {
    const locks = path.join(packagedImageContext(from), "locks");
    const file = path.join(locks, `${flavor}-${minor}.json`);
    if (!fs.existsSync(file)) {
        const shipped = fs.existsSync(locks) ? fs.readdirSync(locks).filter((f) => f.endsWith(".json")).sort().join(", ") : "(none)";
        throw new Error(`${file} is not in the package; accepted: one of ${shipped}`);
    }
    return file;
}
