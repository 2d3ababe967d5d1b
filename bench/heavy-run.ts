// Child process of bench/heavy.ts: runs one heavy-pass SQL file in one engine and writes its result as CSV
// with a header (what `ibsr-report --candidates` reads), so /usr/bin/time measures that engine alone.
//   node --import tsx bench/heavy-run.ts duckdb|clickhouse <query.sql> <out.csv>
import { readFileSync, writeFileSync } from "node:fs";

const [engine, sqlFile, out] = process.argv.slice(2);
const sql = readFileSync(sqlFile!, "utf8").trim().replace(/;\s*$/, "");
if (engine === "duckdb") {
  const { withDuckDB } = await import("../packages/report/src/ingest/duckdb.js");
  const { quoteLiteral } = await import("../packages/report/src/ingest/sql.js");
  // The reporter's own engine settings (memory limit, threads), as an in-process heavy pass would run.
  await withDuckDB({}, (c) => c.run(`COPY (${sql}) TO ${quoteLiteral(out!)} (FORMAT csv, HEADER)`));
} else if (engine === "clickhouse") {
  const { query } = await import("chdb");
  writeFileSync(out!, query(sql, "CSVWithNames"));
} else throw new Error(`heavy-run: unknown engine ${engine}`);
