import assert from "node:assert/strict";
import { test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { quoteIdent, quoteList, quoteLiteral } from "./sql.js";

test("quoted values round-trip through DuckDB unchanged", async () => {
  const tricky = ["plain", "it's", "a'';--", "/tmp/dir with space/x.parquet", 'quote"d', "ünïcode"];
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  try {
    const r = await c.runAndReadAll(
      `SELECT ${quoteList(tricky)} AS l, ${quoteLiteral("x'y")} AS ${quoteIdent('we"ird')}`,
    );
    const row = r.getRowObjectsJS()[0]!;
    assert.deepEqual(row.l, tricky);
    assert.equal(row['we"ird'], "x'y");
  } finally {
    c.closeSync();
    db.closeSync();
  }
  assert.throws(() => quoteLiteral("a\0b"), /NUL/);
});
