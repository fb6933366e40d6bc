#!/usr/bin/env node
// Runs the TypeScript CLI through the project's own ts-node, as `pulumi up` runs the program.
"use strict";
const path = require("path");
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "..", "tsconfig.json") });
require("../cli")
  .main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((e) => {
    // Exit 70 (EX_SOFTWARE): a defect of modelship, not of the input. One line; the trace only on request.
    console.error(`modelship: internal error: ${e && e.message ? e.message : e}${process.env.MODELSHIP_DEBUG ? `\n${e && e.stack}` : " (set MODELSHIP_DEBUG=1 for the stack trace)"}`);
    process.exit(70);
  });
