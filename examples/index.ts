// The examples' program: modelship's own, which reads the `modelship:` keys of the stack file.
// Pulumi runs `main` from inside the project directory, so it is this file, not ../stacks.
import program = require("../stacks/index");
export = program;
