// Reads a JSON array of Mermaid chart texts on stdin and prints, as one JSON array, what
// Mermaid's own parser says of each: {"ok": true, "type": "flowchart-v2"} or {"ok": false,
// "error": "..."}. Mermaid (and jsdom, for the DOM its sanitiser needs) are loaded from the
// folder named by MERMAID_DIR (its node_modules holds both; .ci/run installs them).
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const dir = process.env.MERMAID_DIR;
if (!dir) {
  console.error("MERMAID_DIR is not set");
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(dir), "package.json"));
const { JSDOM } = require("jsdom");
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const entry = path.join(path.resolve(dir), "node_modules", "mermaid", "dist", "mermaid.core.mjs");
const mermaid = (await import(pathToFileURL(entry).href)).default;
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const chart of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(chart);
    results.push({ ok: true, type: parsed.diagramType });
  } catch (error) {
    results.push({ ok: false, error: String((error && error.message) || error) });
  }
}
console.log(JSON.stringify(results));
