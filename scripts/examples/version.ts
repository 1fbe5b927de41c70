/** The Python version an image of ours carries (its dev.distroless-python.python.version label). */
import { imageLabels } from "../../image/checks/lib";

export function pythonVersion(image: string): string {
    const v = imageLabels(image)["dev.distroless-python.python.version"];
    if (!v) throw new Error(`${image}: no dev.distroless-python.python.version label (not one of our images?)`);
    return v;
}
