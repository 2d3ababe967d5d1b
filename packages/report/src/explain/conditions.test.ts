import assert from "node:assert/strict";
import { test } from "node:test";
import {
  hotParams,
  isSynFloodLike,
  isVolumetric,
  SYN_FLOOD_LIKE,
  VOLUMETRIC_TCP_ABUSE,
} from "../analysis/hot-predicate.js";
import { DEFAULT_CONFIG } from "../config.js";
import { explainCondition, failedChecks } from "./conditions.js";

const plain = (_term: string, v: number) => String(v);

test("each explained tree holds exactly when the report's compiled predicate does (grid incl. edges)", () => {
  const p = hotParams(DEFAULT_CONFIG, 1);
  let hot = 0;
  for (const syn of [0, 1, 9, 10, 6_000, 30_000, 60_000])
    for (const handshake_ack of [0, 1, 600, 6_000, 60_000])
      for (const packets of [0, 99, 100, 60_000, 59_999, 120_000])
        for (const bytes of [0, 59_999_999, 60_000_000])
          for (const span of [0.5, 60]) {
            const r = { syn, handshake_ack, packets, bytes };
            const s = explainCondition(SYN_FLOOD_LIKE, r, span, p);
            const v = explainCondition(VOLUMETRIC_TCP_ABUSE, r, span, p);
            assert.equal(s.holds, isSynFloodLike(r, span, p), JSON.stringify({ r, span }));
            assert.equal(v.holds, isVolumetric(r, span, p), JSON.stringify({ r, span }));
            if (s.holds || v.holds) hot++;
            // A failed condition always names at least one failed comparison; a held one none.
            assert.equal(failedChecks(s, plain).length > 0, !s.holds);
          }
  assert.ok(hot > 20, "the grid reaches both sides of the thresholds");
});

test("failed comparisons name the value, the threshold key and the threshold", () => {
  const p = hotParams(DEFAULT_CONFIG, 1);
  const r = { syn: 0, handshake_ack: 0, packets: 150, bytes: 100 };
  assert.deepEqual(failedChecks(explainCondition(SYN_FLOOD_LIKE, r, 60, p), plain), [
    "syn 0 <= 0",
    "syn 0 < min_syn 10",
    "syn_rate 0 < syn_rate_threshold 100",
    "success_ratio undefined (no SYN)",
  ]);
  assert.deepEqual(failedChecks(explainCondition(VOLUMETRIC_TCP_ABUSE, r, 60, p), plain), [
    "0 of 3 reached, 2 needed (syn_rate 0 < vol_syn_rate 500, pkt_rate 2.5 < vol_pkt_rate 1000, byte_rate 1.6666666666666667 < vol_byte_rate 1000000)",
  ]);
});
