export * from "./artifacts";
export * from "./documents";
export * from "./identity";
export * from "./repository";
export * from "./plan";
export { awsProvider } from "./provider";
export type * from "./types";
