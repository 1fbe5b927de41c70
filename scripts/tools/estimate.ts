/** Minutes of cold builds still ahead for the given tools (0 when all are cached). */
import * as path from "node:path";
import { cacheRoot, readStamp, toolDir } from "./cache";
import { RECIPES } from "./registry";
import { field, loadToolVersions, type ToolName } from "./versions";

export function estimateColdMinutes(tools: ToolName[]): number {
    const versions = loadToolVersions(path.join(__dirname, "..", "..", "tools", "versions.json"));
    const root = cacheRoot();
    return tools
        .filter((t) => !readStamp(toolDir(root, t, field(versions, t, RECIPES[t].versionKey))))
        .reduce((sum, t) => sum + RECIPES[t].coldMinutes, 0);
}
