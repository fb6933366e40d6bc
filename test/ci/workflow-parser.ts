// GitHub's own workflow parser, loaded on Node 20: the package imports its JSON schema without an
// import attribute (fine for bundlers, refused by Node), so a loader hook serves that JSON as a
// module. Nothing else about the parser is changed.
import { register } from "node:module";

const HOOK = `
export async function load(url, context, next) {
  if (url.includes("/@actions/workflow-parser/") && url.endsWith(".json")) {
    const { readFile } = await import("node:fs/promises");
    return { format: "module", source: "export default " + (await readFile(new URL(url), "utf8")) + ";", shortCircuit: true };
  }
  return next(url, context);
}`;

let registered = false;

export async function workflowParser() {
  if (!registered) {
    register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
    registered = true;
  }
  return import("@actions/workflow-parser");
}
