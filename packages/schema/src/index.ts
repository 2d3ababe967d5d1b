// @ibsr/schema: the vocabulary shared by the collector and the reporter. It imports neither koffi nor DuckDB.
export * from "./address.js";
export * from "./hive.js";
export * from "./legacy-jsonl.js";
export * from "./map-layout.js";
export { mulberry32 } from "./prng.js";
export * from "./snapshot.js";
