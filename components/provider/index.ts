// Entry point of the modelship plugin package (PulumiPlugin.yaml, `pulumi package add`).
//
// The Node.js plugin host requires the module named by `main` in this folder's package.json and
// serves every ComponentResource subclass it exports ("Exporting the class from the module named by
// `main` in `package.json` is all that's required — Pulumi auto-discovers it":
// https://www.pulumi.com/docs/iac/guides/building-extending/packages/source-based-plugin/). The
// schema is read from the TypeScript source by following this file's exports, so it must export the
// analyzer-friendly wrappers, never the components of ../serving (same names, args it cannot read).
// Importing this file has no side effect: the host (@pulumi/pulumi/cmd/run-plugin) starts the
// provider itself.
export { ModelFleet, ModelServing } from "./components";
export type { ModelFleetPluginArgs, ModelServingPluginArgs, ModelStatus, TrackStatus } from "./components";
