import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { COMPACTED_FILE_NAME, META_KEYS, SNAPSHOT_COLUMNS } from "@ibsr/contract";
import { EXIT } from "../exit-codes.js";
import { legacyDayFiles, writeFaultyLegacyDay, writeLegacyDay } from "../testing/legacy-day.js";
import { withDuckDB } from "./duckdb.js";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "../cli.ts");
const root = mkdtempSync(join(tmpdir(), "ibsr-import-jsonl-"));
after(() => rmSync(root, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), cli, ...args], {
    encoding: "utf8",
    timeout: 300_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function summary(input: string, out: string): Record<string, unknown> {
  const r = run(input, "-o", out, "--now", "1700010000", "--format", "json", "-q", "--no-history");
  assert.equal(r.code, 0, r.err);
  return JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Record<string, unknown>;
}

/** The input's description differs by format (paths, file counts, the run's format); everything else must not. */
function withoutInputFiles(s: Record<string, unknown>): Record<string, unknown> {
  const input = { ...(s.input as Record<string, unknown>) };
  for (const k of [
    "paths",
    "files",
    "parquet_files",
    "jsonl_files",
    "files_listed",
    "footers_read",
    "skipped",
  ])
    delete input[k];
  input.runs = (input.runs as Record<string, unknown>[]).map(({ format: _f, ...r }) => r);
  return { ...s, input };
}

/** The faulty test day written under <tag>/day and imported into <tag>-pq. */
function importFaultyDay(tag: string) {
  const day = join(root, tag, "day");
  writeFaultyLegacyDay(day);
  const pq = join(root, `${tag}-pq`);
  const imp = run("import-jsonl", day, pq);
  assert.equal(imp.code, 0, imp.err);
  return { day, pq, imp };
}

const listFiles = (dir: string) =>
  (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".parquet")).sort();

test("a report on the imported Parquet equals the report on the JSONL (summary.json)", async () => {
  const day = join(root, "clean", "day");
  writeLegacyDay(day);
  // A line in another member order goes the slow way (DuckDB's typing): it must import the same.
  const [f0] = legacyDayFiles(day);
  const text = readFileSync(f0!, "utf8").split("\n");
  text[2] = text[2]!.replace('{"version":5,', '{"zz":1,"version":5,');
  writeFileSync(f0!, text.join("\n"));
  const pq = join(root, "clean-pq");
  const imp = run("import-jsonl", day, pq);
  assert.equal(imp.code, 0, imp.err);
  const direct = summary(day, join(root, "clean-direct"));
  const viaParquet = summary(pq, join(root, "clean-via-parquet"));
  assert.deepEqual(withoutInputFiles(viaParquet), withoutInputFiles(direct));
  assert.equal((viaParquet.input as { parquet_files: number }).parquet_files, listFiles(pq).length);
  assert.ok((direct.sources as unknown[]).length > 0);

  // The contract's columns, in order, and its footer keys.
  const [first] = listFiles(pq);
  await withDuckDB({}, async (c) => {
    const f = join(pq, first!);
    const cols = (await c.runAndReadAll(`SELECT name FROM parquet_schema('${f}') WHERE num_children IS NULL`))
      .getRows()
      .map((r) => r[0]);
    assert.deepEqual(
      cols,
      SNAPSHOT_COLUMNS.map((col) => col.name),
    );
    const keys = (await c.runAndReadAll(`SELECT decode(key) FROM parquet_kv_metadata('${f}')`))
      .getRows()
      .map((r) => r[0]);
    for (const k of [META_KEYS.host, META_KEYS.runId, META_KEYS.seq, META_KEYS.tsUs, META_KEYS.schemaVersion])
      assert.ok(keys.includes(k), `${k} in ${keys.join(", ")}`);
  });
});

test("skipped lines and buckets survive the import and its compaction: the same verdict and skipped input as a report on the JSONL", async () => {
  const { day, pq, imp } = importFaultyDay("faulty");
  const direct = summary(day, join(root, "faulty-direct"));
  const skipped = (direct.input as { skipped: { count: number } }).skipped.count;
  assert.ok(skipped > 0);
  assert.equal((direct.verdict as { outcome: string }).outcome, "NOT_READY");
  assert.match(imp.out, new RegExp(`Skipped: ${skipped} `));
  assert.match(imp.out, /not valid JSON|JSON/);
  const skippedOf = (s: Record<string, unknown>) => (s.input as { skipped: unknown }).skipped;
  // Everything but the input's description, and the skipped input (count and reasons) as well.
  const same = (s: Record<string, unknown>, what: string) => {
    assert.deepEqual(withoutInputFiles(s), withoutInputFiles(direct), what);
    assert.deepEqual(skippedOf(s), skippedOf(direct), what);
  };
  same(summary(pq, join(root, "faulty-via-parquet")), "import");

  // Where the skips live: footers of imported snapshots; the trailing "not json" line of the last file on the
  // run's last snapshot (no later line of its file took it).
  const files = listFiles(pq);
  await withDuckDB({}, async (c) => {
    const rows = (
      await c.runAndReadAll(
        `SELECT file_name, decode(value) FROM parquet_kv_metadata('${pq}/**/*.parquet') WHERE decode(key) = '${META_KEYS.sourceSkipped}' ORDER BY file_name`,
      )
    ).getRows() as [string, string][];
    const all = rows.flatMap(([, v]) => JSON.parse(v) as { line: number | null; buckets?: number }[]);
    assert.equal(
      all.reduce((a, e) => a + (e.buckets ?? 1), 0),
      skipped,
    );
    const lastFile = join(pq, files[files.length - 1]!);
    assert.ok(
      rows.some(([f, v]) => f === lastFile && v.includes("not valid JSON")),
      rows.map(([f]) => f).join(", "),
    );
  });

  // Compacted (originals kept, then removed): the members' footers carry the skips along.
  const compacted = join(root, "faulty-compacted");
  cpSync(pq, compacted, { recursive: true });
  const cp = run("compact", compacted);
  assert.equal(cp.code, 0, cp.err);
  assert.equal(listFiles(compacted).filter((f) => f.endsWith(COMPACTED_FILE_NAME)).length, 2);
  same(summary(compacted, join(root, "faulty-compacted-report")), "compacted");
  const only = join(root, "faulty-compacted-only");
  cpSync(pq, only, { recursive: true });
  const removed = run("compact", only, "--remove-sources");
  assert.equal(removed.code, 0, removed.err);
  assert.equal(listFiles(only).length, 2);
  same(summary(only, join(root, "faulty-compacted-only-report")), "compacted, originals removed");
});

test("--candidates with the catalog sidecar of an imported tree counts the skips the import recorded, as the in-process report does", async () => {
  const { pq } = importFaultyDay("sidecar");
  const inProcess = summary(pq, join(root, "sidecar-in-process"));
  assert.ok((inProcess.input as { skipped: { count: number } }).skipped.count > 0);
  const side = join(root, "sidecar-catalog.parquet");
  const cat = run("catalog", pq, "-o", side);
  assert.equal(cat.code, 0, cat.err);
  const sql = run("sql", "--engine", "duckdb", "--catalog", side, pq);
  assert.equal(sql.code, 0, sql.err);
  const cands = join(root, "sidecar-candidates.parquet");
  await withDuckDB({}, async (c) => {
    await c.run(`COPY (${sql.out.trim().replace(/;$/, "")}) TO '${cands}' (FORMAT parquet)`);
  });
  const out = join(root, "sidecar-report");
  const r = run(
    pq,
    "-o",
    out,
    "--candidates",
    cands,
    "--catalog",
    side,
    "--now",
    "1700010000",
    "--format",
    "json",
    "-q",
    "--no-history",
  );
  assert.equal(r.code, 0, r.err);
  const viaEngine = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Record<string, unknown>;
  assert.equal((viaEngine.input as { footers_read: number }).footers_read, 0, "no footer opened");
  assert.deepEqual(withoutInputFiles(viaEngine), withoutInputFiles(inProcess));
  assert.deepEqual(
    (viaEngine.input as { skipped: unknown }).skipped,
    (inProcess.input as { skipped: unknown }).skipped,
  );
});

test("an output that already holds a snapshot's name is refused and left as it was", () => {
  const day = join(root, "again", "day");
  writeFaultyLegacyDay(day);
  const pq = join(root, "again-pq");
  assert.equal(run("import-jsonl", day, pq).code, 0);
  const files = listFiles(pq);
  const victim = join(pq, files[files.length - 1]!);
  writeFileSync(victim, "mine");
  const before = files.map((f) => [f, statSync(join(pq, f)).mtimeMs, readFileSync(join(pq, f)).length]);
  const r = run("import-jsonl", day, pq);
  assert.equal(r.code, EXIT.USAGE, r.err);
  assert.match(r.err, /already exists: import-jsonl never replaces a file/);
  assert.deepEqual(
    files.map((f) => [f, statSync(join(pq, f)).mtimeMs, readFileSync(join(pq, f)).length]),
    before,
  );
  assert.equal(readFileSync(victim, "utf8"), "mine");
  // No temporary file is left behind either.
  assert.deepEqual(
    (readdirSync(pq, { recursive: true }) as string[]).filter((f) => f.endsWith(".tmp")),
    [],
  );
});

test("an output inside the input, or no JSONL at all, is a usage error", () => {
  const day = join(root, "inside", "day");
  writeFaultyLegacyDay(day);
  const r = run("import-jsonl", day, join(day, "out"));
  assert.equal(r.code, EXIT.USAGE);
  assert.match(r.err, /must not contain each other/);
  const empty = join(root, "empty");
  rmSync(empty, { recursive: true, force: true });
  writeFileSync(`${empty}.txt`, "");
  const e = run("import-jsonl", root.concat("/inside/day/../../empty.txt"), join(root, "empty-out"));
  assert.equal(e.code, EXIT.USAGE, e.err);
});

test("with --since, the skips an import recorded count when the snapshot holding them is inside the window, whatever discovery left unread", async () => {
  const { pq } = importFaultyDay("window");
  // Each snapshot's time and the skips on it, from the footers (the import's record, read independently).
  const snaps = await withDuckDB({}, async (c) => {
    const rows = (
      await c.runAndReadAll(
        `SELECT file_name, decode(key), decode(value) FROM parquet_kv_metadata('${pq}/**/*.parquet')
         WHERE decode(key) IN ('${META_KEYS.tsUs}', '${META_KEYS.sourceSkipped}')`,
      )
    ).getRows() as [string, string, string][];
    const by = new Map<string, { ts: number; skips: number }>();
    for (const [f, k, v] of rows) {
      const s = by.get(f) ?? { ts: 0, skips: 0 };
      by.set(f, s);
      if (k === META_KEYS.tsUs) s.ts = Number(v) / 1e6;
      else s.skips = (JSON.parse(v) as { buckets?: number }[]).reduce((a, e) => a + (e.buckets ?? 1), 0);
    }
    return [...by.values()].sort((a, b) => a.ts - b.ts);
  });
  const carrying = snaps.filter((s) => s.skips > 0);
  assert.ok(carrying.length >= 2, "the faulty day records skips on more than one snapshot");
  // --since just after the first snapshot holding skips: that snapshot is the window's baseline (always read,
  // outside the window), so its skips must not count; every later one must.
  const since = carrying[0]!.ts + 0.5;
  const inWindow = snaps.filter((s) => s.ts > since).reduce((a, s) => a + s.skips, 0);
  assert.ok(inWindow > 0 && inWindow < snaps.reduce((a, s) => a + s.skips, 0));
  const r = run(
    pq,
    "-o",
    join(root, "window-report"),
    "--format",
    "json",
    "-q",
    "--no-history",
    "--since",
    String(since),
  );
  assert.equal(r.code, EXIT.OK, r.err);
  const s = JSON.parse(readFileSync(join(root, "window-report", "summary.json"), "utf8")) as {
    input: { skipped: { count: number } };
  };
  assert.equal(s.input.skipped.count, inWindow);
});
