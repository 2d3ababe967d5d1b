// @ibsr/report/testing: helpers for tests, benchmarks and the synthetic demo; production code never imports
// them (test/testing-boundary.test.ts). They may use what production may not (the collector's Parquet
// encoder, a dev dependency).
//   traffic         typical sources per interval (SYN flood, quiet client, healthy heavy client)
//   snapshots       collector Parquet and legacy JSONL runs from a traffic description (steady, writeParquetRun)
//   large-snapshot  the bench/scale data set with one very large snapshot
//   legacy-day      a small day of reference JSONL (gen-day-jsonl.py) with typical faults
//   mutate-parquet  rewrites a Parquet file through DuckDB SQL (fault injection)
//   run-report      reportOn(): the engine with test defaults
//   run-explain     explainOn(): `explain` with test defaults
//   sample-model    a complete ReportModel for renderer tests, no engine run
//   shared-dir      where the shared fixtures and tools are (IBSR_SHARED_DIR, IBSR_NR_IBSR_FIXTURES)

export * from "./fleet-tree.js";
export * from "./large-snapshot.js";
export * from "./legacy-day.js";
export * from "./mutate-parquet.js";
export * from "./run-explain.js";
export * from "./run-report.js";
export * from "./sample-model.js";
export * from "./shared-dir.js";
export * from "./snapshot-info.js";
export * from "./snapshots.js";
export * from "./traffic.js";
