// @ibsr/collector/parquet: the snapshot encoder and, for tests and tools, the reader.
export * from "./parquet.js";
export * from "./parquet-read.js";
