#!/usr/bin/env node
// The `modelship` command: package.json `bin` is this file compiled (dist/stacks/bin/modelship.js),
// which the workflows run too. In a checkout, stacks/bin/modelship.js runs it from source through
// the project's ts-node (development). Keep this file's imports light: ../cli loads a command's
// dependencies only when that command runs.
import * as nodeModule from "module";
import { main } from "../cli";
import { deferZodLocales } from "./locales";
import { loadTypeScriptOnDemand } from "./typescript";

// Node >= 22.1 keeps V8's code for the modules a command loads (zod, yaml, ours) on disk and
// reuses it while their source is unchanged: most of a short command like `status` is compiling
// those modules. Node's docs ask a tool to call it without a directory, so NODE_COMPILE_CACHE can
// move the cache and NODE_DISABLE_COMPILE_CACHE=1 turn it off; it never throws, it reports. Node 20
// has no such API: there this is a no-op.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
// zod's locales (some 50 modules no command uses) load only if something reads them: ./locales.
deferZodLocales();
loadTypeScriptOnDemand();
main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((e: unknown) => {
    // Exit 70 (EX_SOFTWARE): a defect of modelship, not of the input. One line; the trace only on request.
    const message = e instanceof Error ? e.message : String(e);
    const trace = process.env.MODELSHIP_DEBUG ? `\n${e instanceof Error ? e.stack : String(e)}` : " (set MODELSHIP_DEBUG=1 for the stack trace)";
    console.error(`modelship: internal error: ${message}${trace}`);
    process.exit(70);
  });
