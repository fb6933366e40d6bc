// The canary gate: anytime-valid statistics (sequential), the step's start (effect), what is slow
// (slow), the verdict (judge) — all pure — and what it asks Prometheus (evidence, prometheus).
export * from "./assess";
export * from "./counts";
export * from "./effect";
export * from "./evidence";
export * from "./judge";
export * from "./prometheus";
export * from "./sequential";
export * from "./slow";
export * from "./decide";
