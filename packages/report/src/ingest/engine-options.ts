// The engine's settings as flags give them, checked without loading DuckDB (the CLI validates flags before
// anything heavy is imported; duckdb.ts applies them).

export interface EngineOptions {
  /** e.g. "2GB"; default: 40 % of RAM, at most 4 GB (the benchmark target). */
  memoryLimit?: string;
  /** Where the spill directory is made (a fresh folder inside it, removed afterwards); default: the OS temp dir. */
  tempDirectory?: string;
  threads?: number;
}

/** --threads: 1..256 (more only adds scheduling cost; 10 000 took 81 s on a small machine). */
export const THREADS_RANGE = { min: 1, max: 256 } as const;
/** --memory-limit below this cannot even start DuckDB; DuckDB counts KB/MB/GB/TB in powers of 1000. */
export const MEMORY_LIMIT_MIN_BYTES = 1_000_000;
const MEMORY_UNITS: Record<string, number> = {
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** A memory limit as DuckDB takes it ("2GB", "512 MiB"), or why it is not one. */
export function checkMemoryLimit(text: string): string | null {
  const m = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.exec(text.trim());
  if (!m) return "not a size (give a number and a unit: KB, MB, GB, TB, KiB, MiB, GiB or TiB, e.g. 2GB)";
  const bytes = Number(m[1]) * MEMORY_UNITS[m[2]!.toLowerCase()]!;
  if (bytes < MEMORY_LIMIT_MIN_BYTES) return "below the minimum of 1MB";
  if (bytes > Number.MAX_SAFE_INTEGER) return "beyond any machine's memory";
  return null;
}

/** A thread count, or why it is not one. */
export function checkThreads(n: number): string | null {
  if (!Number.isInteger(n) || n < THREADS_RANGE.min || n > THREADS_RANGE.max)
    return `must be a whole number from ${THREADS_RANGE.min} to ${THREADS_RANGE.max}`;
  return null;
}
