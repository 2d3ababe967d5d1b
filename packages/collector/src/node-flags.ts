// Flags for the Node.js that runs the collector: the shebang of cli.ts, the bundle's bin/ibsr-collect and
// the collector benchmark all pass exactly these (cli.test.ts and bundle.test.ts check that they agree).
// Each was measured on the live collector at 100 000 entries (bench/notes/collector-memory.md).
// --max-semi-space-size=1 (MiB): V8's young generation grows to 3 x 16 MiB by default and keeps those
// pages; the run loop allocates little per interval, so a 1 MiB semi-space costs no measurable time and
// keeps the RSS about 10 MB lower.
// --expose-gc: after a snapshot the run loop collects garbage once the heap grew (system/memory.ts
// collectGarbageIfGrown).
// With a 1 MiB young generation, objects alive across the encode's many event-loop turns are promoted, and
// without that collection the old generation crept up about 0.15 MB a minute under a flood; with it the
// RSS is flat.
// --no-wasm-dynamic-tiering --no-concurrent-recompilation: the peak RSS came at the first full snapshot,
// from compiler memory (V8's own allocations reached 12.5 MB against 0.3 MB between snapshots): the
// optimising compiler working on a batch of hot parquet-wasm functions on worker threads while TurboFan
// optimised the drain and delta loops beside them. With these two flags each WebAssembly function is
// optimised as it is first used, one at a time, and JavaScript is optimised on the main thread, so the
// compilations no longer overlap: about 3.5 MB lower peak at 100 000 entries, the same CPU per snapshot.
// (--max-opt=2, no TurboFan at all, saved 3 MB more but cost 14-35 % more CPU per snapshot at 500 000 to
// 1 000 000 entries: not taken.)
export const NODE_FLAGS = [
  "--max-semi-space-size=1",
  "--expose-gc",
  "--no-wasm-dynamic-tiering",
  "--no-concurrent-recompilation",
] as const;
