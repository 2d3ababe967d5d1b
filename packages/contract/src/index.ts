// @ibsr/contract: the facts ibsr-collect and ibsr-report (and the kernel program) must agree on, each
// defined once. No dependencies, no I/O, no WASM: anything may import it at no start-up cost.
export * from "./address.js";
export * from "./exit-codes.js";
export * from "./heartbeat.js";
export * from "./hive.js";
export * from "./kernel.js";
export * from "./snapshot.js";
export * from "./utc-time.js";
