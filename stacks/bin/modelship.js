#!/usr/bin/env node
// For development in a checkout (the tests run this file): the CLI from its TypeScript source,
// through the project's own ts-node, as `pulumi up` runs the program — about a second of
// transpiling per call. The published package's `modelship` and the workflows run the compiled
// stacks/bin/modelship.ts instead (dist/stacks/bin/modelship.js, built by `npm ci` / `npm run build`).
"use strict";
const path = require("path");
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "..", "tsconfig.json") });
require("./modelship.ts");
