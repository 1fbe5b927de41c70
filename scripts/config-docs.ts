// npm run docs:config: rewrites README.md's config table from config/schema.ts.
import * as fs from "fs";
import * as path from "path";
import { updateReadme } from "../config/docs";

const readme = path.join(__dirname, "..", "README.md");
fs.writeFileSync(readme, updateReadme(fs.readFileSync(readme, "utf8")));
process.stdout.write("README.md config table updated\n");
