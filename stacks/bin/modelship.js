#!/usr/bin/env node
// In a checkout (the workflows and tests run this file): the CLI from its TypeScript source,
// through the project's own ts-node, as `pulumi up` runs the program. The published package's
// `modelship` is the compiled stacks/bin/modelship.ts (dist/stacks/bin/modelship.js, `npm run build`).
"use strict";
const path = require("path");
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "..", "tsconfig.json") });
require("./modelship.ts");
