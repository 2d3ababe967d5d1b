// The hot predicate has one definition: the SQL the heavy pass binds is generated from it, and DuckDB's
// evaluation of that SQL agrees with the TypeScript classification on a grid around every threshold.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_CONFIG } from "../config.js";
import { insertRows, withDuckDB } from "../ingest/duckdb.js";
import { HOT_PREDICATE, pass1Sql, pass2Sql } from "../ingest/queries/scan.js";
import {
  classifyRow,
  conditionSql,
  HOT,
  type HotParams,
  hotParams,
  isSynFloodLike,
  isVolumetric,
  SYN_FLOOD_LIKE,
  VOLUMETRIC_TCP_ABUSE,
} from "./hot-predicate.js";
import { classify, scaled } from "./simulate.js";

test("the heavy pass's SQL predicate is generated from the one definition", () => {
  assert.equal(HOT_PREDICATE, conditionSql(HOT));
  assert.ok(pass1Sql("SELECT 1", false).includes(conditionSql(HOT)));
  assert.ok(pass2Sql("SELECT 1").includes(`NOT ${conditionSql(HOT)}`));
});

test("simulate's classify is the definition's classification", () => {
  const cfg = { ...DEFAULT_CONFIG, min_syn: 7 };
  for (const f of [0.5, 1, 2]) {
    const p = hotParams(cfg, f);
    for (const r of grid(p))
      assert.equal(classify(r, r.span, cfg, scaled(cfg, f)), classifyRow(r, r.span, p), JSON.stringify(r));
  }
});

/** Values just below, at and above each threshold, for every counter, at three spans. */
function grid(p: HotParams) {
  const around = (x: number) => [
    ...new Set([0, 1, Math.max(0, Math.floor(x) - 1), Math.floor(x), Math.ceil(x) + 1]),
  ];
  const rows: { syn: number; handshake_ack: number; packets: number; bytes: number; span: number }[] = [];
  for (const span of [0.5, 1, 60]) {
    const syns = [
      ...new Set([...around(p.min_syn), ...around(p.syn_rate * span), ...around(p.vol_syn * span)]),
    ];
    const packetsList = [...new Set([...around(p.min_packets), ...around(p.vol_pkt * span)])];
    const bytesList = around(p.vol_byte * span);
    for (const syn of syns)
      for (const handshake_ack of [
        ...new Set([0, Math.floor(syn * p.success_ratio), Math.ceil(syn * p.success_ratio) + 1, syn * 2]),
      ])
        for (const packets of packetsList)
          for (const bytes of bytesList) rows.push({ syn, handshake_ack, packets, bytes, span });
  }
  return rows;
}

test("DuckDB's evaluation of the generated SQL equals the TypeScript evaluation on a grid", async () => {
  const cfg = { ...DEFAULT_CONFIG, min_syn: 7, success_ratio_threshold: 0.25 };
  await withDuckDB({ threads: 1 }, async (c) => {
    for (const f of [0.5, 1, 1.5]) {
      const p = hotParams(cfg, f);
      const rows = grid(p);
      await insertRows(
        c,
        "g",
        ["id INTEGER", "syn BIGINT", "handshake_ack BIGINT", "packets BIGINT", "bytes BIGINT", "span DOUBLE"],
        rows.map((r, i) => [
          i,
          BigInt(r.syn),
          BigInt(r.handshake_ack),
          BigInt(r.packets),
          BigInt(r.bytes),
          r.span,
        ]),
      );
      const got = (
        await c.runAndReadAll(
          `SELECT id, ${conditionSql(HOT)} AS hot, ${conditionSql(SYN_FLOOD_LIKE)} AS syn_flood,
             ${conditionSql(VOLUMETRIC_TCP_ABUSE)} AS vol FROM g ORDER BY id`,
          p,
        )
      ).getRowObjectsJS() as { id: number; hot: boolean; syn_flood: boolean; vol: boolean }[];
      assert.equal(got.length, rows.length);
      let hot = 0;
      for (const g of got) {
        const r = rows[g.id]!;
        const what = `factor ${f}: ${JSON.stringify(r)}`;
        assert.equal(g.syn_flood, isSynFloodLike(r, r.span, p), what);
        assert.equal(g.vol, isVolumetric(r, r.span, p), what);
        assert.equal(g.hot, classifyRow(r, r.span, p) !== null, what);
        if (g.hot) hot++;
      }
      // The grid straddles the thresholds: both answers occur.
      assert.ok(hot > 0 && hot < rows.length, `factor ${f}: ${hot} of ${rows.length} hot`);
    }
  });
});
