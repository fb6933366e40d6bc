export * from "./schema";
export * from "./validate";
export * from "./quality";
export * from "./stack";
export * from "./args";
