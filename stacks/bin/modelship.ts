#!/usr/bin/env node
// The `modelship` command: package.json `bin` is this file compiled (dist/stacks/bin/modelship.js),
// which the workflows run too. In a checkout, stacks/bin/modelship.js runs it from source through
// the project's ts-node (development). Keep this file's imports light: ../cli loads a command's
// dependencies only when that command runs.
import { main } from "../cli";
import { loadTypeScriptOnDemand } from "./typescript";

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
