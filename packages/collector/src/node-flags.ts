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
// --no-concurrent-recompilation: the peak RSS came at the first full snapshot, from compiler memory (V8's
// own allocations reached 12.5 MB against 0.3 MB between snapshots): TurboFan optimising the drain and
// delta loops on worker threads beside a batch of hot parquet-wasm functions. With this flag JavaScript
// is optimised on the main thread.
// --wasm-sync-tier-up --wasm-tiering-budget=300000: WebAssembly starts in the baseline compiler and
// each function that grows hot is optimised with what its baseline code observed (calls inlined), which
// makes the encode 15-20 % faster than optimising every function as it is first used
// (--no-wasm-dynamic-tiering, the flag before). On worker threads and with V8's default budget those
// compiles overlapped and kept coming up to the fifth full snapshot, 2-4 MB over the peak; run on the
// main thread, one at a time (as --no-concurrent-recompilation does for JavaScript), with a budget 43x
// lower than V8's (hot functions are optimised during the start-up warm-up, snapshot/warm-up.ts, while
// memory is low, not in the first snapshots: 2 000 000 left them 40-60 ms slower), the peak is 1-2 MB
// lower (bench/notes/collector-snapshot-speed.md, third pass and session 9's budget note). Node 22 and 24
// accept both.
// (--max-opt=2, no TurboFan at all, saved 3 MB more but cost 14-35 % more CPU per snapshot at 500 000 to
// 1 000 000 entries: not taken.)
export const NODE_FLAGS = [
  "--max-semi-space-size=1",
  "--expose-gc",
  "--no-concurrent-recompilation",
  "--wasm-sync-tier-up",
  "--wasm-tiering-budget=300000",
] as const;
