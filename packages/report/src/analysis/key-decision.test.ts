// The success ratio and the block decision have one definition each: the evidence SQL is generated from it,
// and DuckDB's evaluation of that SQL equals the TypeScript one on a grid of values.
import assert from "node:assert/strict";
import { test } from "node:test";
import { insertRows, withDuckDB } from "../ingest/duckdb.js";
import { EVIDENCE_VIEW_SQL, ROLLUP_SQL } from "../ingest/queries/keys.js";
import { conditionJs, conditionSql, SYN_FLOOD_LIKE } from "./hot-predicate.js";
import {
  blockedSql,
  decisionOf,
  decisionSql,
  isBlocked,
  successRatio,
  successRatioOfSynJs,
  successRatioOfSynSql,
  successRatioSql,
} from "./key-decision.js";

test("the evidence, roll-up and hot-predicate SQL use the generated ratio and decision", () => {
  const flags = { hot: "h.cls IS NOT NULL", allowlisted: "k.al" };
  assert.ok(EVIDENCE_VIEW_SQL.includes(`(${decisionSql(flags)})::VARCHAR AS decision`));
  assert.ok(EVIDENCE_VIEW_SQL.includes(`CASE WHEN ${blockedSql(flags)} THEN h.drop_packets ELSE 0 END`));
  assert.ok(
    EVIDENCE_VIEW_SQL.includes(
      `(${successRatioSql({ syn: "k.syn", handshakeAck: "k.handshake_ack", cast: "::DOUBLE" })})::DOUBLE AS success_ratio`,
    ),
  );
  assert.ok(ROLLUP_SQL.includes(`${blockedSql({ ...flags, allowlisted: "h.allowlisted" })} AS blocked`));
  assert.ok(conditionSql(SYN_FLOOD_LIKE).includes(successRatioOfSynSql()));
  assert.ok(conditionJs(SYN_FLOOD_LIKE).includes(successRatioOfSynJs("r")));
});

test("DuckDB's success ratio and decision equal the TypeScript ones on a grid", async () => {
  const counts = [0, 1, 2, 3, 7, 10, 99, 100, 101, 12345, 2 ** 40, 2 ** 53 - 1];
  const rows: { syn: number; hs: number; hot: boolean; allowlisted: boolean }[] = [];
  for (const syn of counts)
    for (const hs of counts)
      for (const hot of [false, true])
        for (const allowlisted of [false, true]) rows.push({ syn, hs, hot, allowlisted });
  await withDuckDB({ threads: 1 }, async (c) => {
    await insertRows(
      c,
      "g",
      ["id INTEGER", "syn BIGINT", "handshake_ack BIGINT", "cls VARCHAR", "al BOOLEAN"],
      rows.map((r, i) => [i, BigInt(r.syn), BigInt(r.hs), r.hot ? "SYN_FLOOD_LIKE" : null, r.allowlisted]),
    );
    const flags = { hot: "cls IS NOT NULL", allowlisted: "al" };
    const got = (
      await c.runAndReadAll(
        `SELECT id, (${successRatioSql({ cast: "::DOUBLE" })})::DOUBLE AS ratio,
           (CASE WHEN syn > 0 THEN ${successRatioOfSynSql()} END)::DOUBLE AS ratio_nocast,
           ${blockedSql(flags)} AS blocked, (${decisionSql(flags)})::VARCHAR AS decision
         FROM g ORDER BY id`,
      )
    ).getRowObjectsJS() as {
      id: number;
      ratio: number | null;
      ratio_nocast: number | null;
      blocked: boolean;
      decision: string;
    }[];
    assert.equal(got.length, rows.length);
    const decisions = new Set<string>();
    for (const g of got) {
      const r = rows[g.id]!;
      const what = JSON.stringify(r);
      assert.equal(g.ratio, successRatio(r.syn, r.hs), what);
      assert.equal(g.ratio_nocast, successRatio(r.syn, r.hs), what);
      assert.equal(g.blocked, isBlocked(r), what);
      assert.equal(g.decision, decisionOf(r), what);
      decisions.add(g.decision);
    }
    assert.deepEqual([...decisions].sort(), ["allow", "block"]);
  });
});

test("the ratio is capped at 1 and absent without a SYN; only a hot, non-allowlisted key is blocked", () => {
  assert.equal(successRatio(0, 5), null);
  assert.equal(successRatio(4, 1), 0.25);
  assert.equal(successRatio(4, 9), 1);
  assert.deepEqual(
    [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ].map(([hot, allowlisted]) => decisionOf({ hot: hot!, allowlisted: allowlisted! })),
    ["allow", "allow", "block", "allow"],
  );
});
