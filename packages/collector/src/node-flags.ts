// Flags for the Node.js that runs the collector: the shebang of cli.ts, the bundle's bin/ibsr-collect and
// the collector benchmark all pass exactly these (cli.test.ts and bundle.test.ts check that they agree).
// Each was measured on the live collector at 100 000 entries (bench/notes/collector-memory.md).
// --max-semi-space-size=1 (MiB): V8's young generation grows to 3 x 16 MiB by default and keeps those
// pages; the run loop allocates little per interval, so a 1 MiB semi-space costs no measurable time and
// keeps the RSS about 10 MB lower.
// --expose-gc: the run loop collects garbage once after each snapshot (system/memory.ts collectGarbage).
// With a 1 MiB young generation, objects alive across the encode's many event-loop turns are promoted, and
// without that collection the old generation crept up about 0.15 MB a minute under a flood; with it the
// RSS is flat.
// --max-opt=2: JavaScript tiers up to Maglev at most, never to TurboFan. The hot loops (drain, deltas,
// sort) run as fast under Maglev here, and TurboFan's compiler code (file pages of the node binary) and its
// compile-time memory are never touched: about 3 MB less between snapshots and 3-4 MB less at the peak.
// --no-wasm-dynamic-tiering: parquet-wasm's functions go to the optimising compiler as each is first used,
// one at a time, instead of in batches of hot functions compiled side by side on worker threads during the
// first full snapshot; that batch's compile memory was the peak (about 4 MB above the level between
// snapshots). Same CPU per snapshot; only the first full snapshot is slower.
export const NODE_FLAGS = [
  "--max-semi-space-size=1",
  "--expose-gc",
  "--max-opt=2",
  "--no-wasm-dynamic-tiering",
] as const;
