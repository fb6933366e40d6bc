// The stack config the program reads, for the CLI. The loader lives in the library
// (components/config/stack.ts), so a user's own program reads the `modelship:` keys exactly as
// modelship's does.
export * from "../../components/config/stack";
