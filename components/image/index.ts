export * from "./build";
