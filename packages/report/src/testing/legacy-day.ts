// A small day of reference JSONL as the benchmark's generator writes it (gen-day-jsonl.py), with the faults a
// migrating user's files have: a truncated line, a heartbeat, a line that is not JSON, a counter written as text, a
// bucket with an impossible port and a line with a BOM. Deterministic, so a report of it can be compared
// with one stored from another build.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sharedPath } from "./shared-dir.js";

/** gen-day-jsonl.py's arguments for the comparison day: 60 sources, 150 snapshots (3 hourly files). */
export const LEGACY_DAY = { sources: 60, snapshots: 150 } as const;

/** The day's files, sorted (gen-day-jsonl.py names them snapshot_<hour>.jsonl). */
export function legacyDayFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort()
    .map((f) => join(dir, f));
}

/** Writes the clean day into `dir` (which must not exist yet or be empty). */
export function writeLegacyDay(dir: string): string[] {
  execFileSync("python3", [
    sharedPath("tools", "gen-day-jsonl.py"),
    dir,
    String(LEGACY_DAY.sources),
    String(LEGACY_DAY.snapshots),
  ]);
  return legacyDayFiles(dir);
}

/** The clean day plus one of each fault, at fixed lines. */
export function writeFaultyLegacyDay(dir: string): string[] {
  const files = writeLegacyDay(dir);
  const lines = (f: string) => readFileSync(f, "utf8").split("\n");
  const [a, b, c] = files as [string, string, string];
  const la = lines(a);
  la.splice(3, 0, la[3]!.slice(0, 200)); // truncated copy of a snapshot line
  la.splice(5, 0, '{"cycle":12,"ts_unix_sec":1700000300}'); // a heartbeat among snapshots
  writeFileSync(a, la.join("\n"));
  const lb = lines(b);
  // A counter as text (read as that number by DuckDB's typing), and a bucket with port 70000 (skipped, counted).
  lb[10] = lb[10]!.replace('"syn":', '"syn":"').replace(/"syn":"(\d+)/, '"syn":"$1"');
  lb[12] = lb[12]!.replace('"dst_port":8899', '"dst_port":70000');
  writeFileSync(b, `\ufeff${lb.join("\n")}`);
  // A line that is not JSON at all.
  writeFileSync(c, `${lines(c).join("\n")}\nnot json\n`);
  return files;
}
