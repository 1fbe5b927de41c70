/** What every tool recipe receives from the installer. */
import type { ToolVersions } from "../versions";

export interface RecipeContext {
    versions: ToolVersions;
    /** Cache root (DISTROLESS_PYTHON_TOOLS_CACHE). */
    root: string;
    /** Go environment with the caches under root. */
    env: NodeJS.ProcessEnv;
    /** Staging folder: the recipe writes its binaries to `${staging}/bin`. */
    staging: string;
    /** A work folder kept between runs (wrapper modules, downloads). */
    work: string;
}

export interface RecipeResult {
    /** Binary names written to `${staging}/bin`. */
    binaries: string[];
    notes?: Record<string, string>;
}

export type Recipe = (ctx: RecipeContext) => Promise<RecipeResult>;
