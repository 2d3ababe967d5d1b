// Shared shape of every benchmark figure, so bench/run.ts can print one table and write BENCHMARKS.md.
// Each figure is the median of several runs with min and max, next to a baseline measured in the same run.

export interface BenchRow {
  suite: string; // "bpf", "collector", "report", "veth"
  name: string; // what was measured, e.g. "monitored IPv4 hot key"
  unit: string; // "ns/pkt", "ms", "MB", "B/row", "Gbit/s", "us"
  median: number;
  min: number;
  max: number;
  runs: number;
  baseline?: { name: string; median: number }; // measured in the same run
  target?: string; // e.g. "<= 250 ms" or "<= 1.0x baseline"
  reference?: string; // the reference implementation's figure, where one exists
  note?: string;
}

/** A sample's median, extremes and size. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error("summarize: no samples");
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, runs: s.length };
}

/** A figure measured once (min = median = max), e.g. a whole-tree run too long to repeat. */
export function singleRun(suite: string, name: string, unit: string, v: number, note: string): BenchRow {
  return { suite, name, unit, median: v, min: v, max: v, runs: 1, note };
}
