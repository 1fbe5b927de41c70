// npm run docs:bench: rewrites README.md's comparison tables from the bench results files.
import * as fs from "node:fs";
import * as path from "node:path";
import { renderBenchTables, updateBenchSection } from "./lib/benchTables";

const root = path.join(__dirname, "..");
const readme = path.join(root, "README.md");
fs.writeFileSync(readme, updateBenchSection(fs.readFileSync(readme, "utf8"), renderBenchTables(root)));
process.stdout.write("README.md bench tables updated\n");
