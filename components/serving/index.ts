export * from "./capacity";
export * from "./fleet";
export * from "./fleet-objects";
export * from "./labels";
export * from "./manifests";
export * from "./model";
export * from "./quantity";
export * from "./track";
