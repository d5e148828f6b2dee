// Read each note's front matter with js-yaml (the YAML library of the kind Obsidian uses) and print,
// as JSON, the JavaScript type of every property: what Obsidian's Properties view would be given.
// Usage: node obsidian_props.mjs NODE_MODULES_DIR FILE...
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.argv[2].replace(/\/?$/, "/"));
const yaml = require("js-yaml");

function kind(value) {
  if (value === null || value === undefined) return "empty";
  if (value instanceof Date) {
    return value.getUTCHours() || value.getUTCMinutes() || value.getUTCSeconds() ? "datetime" : "date";
  }
  if (Array.isArray(value)) return ["list", value.map(kind)];
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  return typeof value === "object" ? "mapping" : typeof value;
}

const out = {};
for (const file of process.argv.slice(3)) {
  const text = readFileSync(file, "utf8").replace(/^\uFEFF/, "").replace(/\r\n/g, "\n");
  const match = /^---\n([\s\S]*?)\n?^---$/m.exec(text);
  if (!match || match.index !== 0) {
    out[file] = null; // no front matter: no properties (a plain Markdown file, e.g. a message template)
    continue;
  }
  try {
    const data = yaml.load(match[1]) ?? {};
    out[file] = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, [kind(value), value]]));
  } catch (error) {
    out[file] = { error: String(error.message || error) };
  }
}
process.stdout.write(JSON.stringify(out));
