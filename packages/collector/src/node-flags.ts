// Flags for the Node.js that runs the collector: the shebang of cli.ts, the bundle's bin/ibsr-collect and
// the collector benchmark all pass exactly these (cli.test.ts and bundle.test.ts check that they agree).
// --max-semi-space-size=1 (MiB): V8's young generation grows to 3 x 16 MiB by default and keeps those
// pages; the run loop allocates little per interval, so a 1 MiB semi-space costs no measurable time and
// keeps the RSS about 10 MB lower (BENCHMARKS.md).
// --expose-gc: the run loop collects garbage once after each snapshot (system/memory.ts collectGarbage).
// With a 1 MiB young generation, objects alive across the encode's many event-loop turns are promoted, and
// without that collection the old generation crept up about 0.15 MB a minute under a flood
// (bench/notes/collector-memory.md); with it the RSS is flat.
export const NODE_FLAGS = ["--max-semi-space-size=1", "--expose-gc"] as const;
