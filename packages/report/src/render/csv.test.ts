import assert from "node:assert/strict";
import { test } from "node:test";
import { capEvidence } from "../analysis/rank.js";
import type { EvidenceRow } from "../model.js";
import { EVIDENCE_HEADER, renderEvidenceCsv } from "./csv.js";

function row(display: string, packets: bigint, drop: bigint): EvidenceRow {
  return {
    family: 4,
    src: display,
    prefixLen: 32,
    dstPort: 80,
    display,
    abuseClass: drop > 0n ? "SYN_FLOOD_LIKE" : null,
    synRate: 1 / 3,
    successRatio: drop > 0n ? 0 : null,
    decision: drop > 0n ? "block" : "allow",
    allowlisted: false,
    totals: { syn: 1n, ack: 0n, handshake_ack: 0n, rst: 0n, packets, bytes: packets * 60n },
    wouldDrop: { packets: drop, bytes: 0n, syn: drop },
  };
}

test("eight columns, fixed decimals, empty ratio without SYNs", () => {
  const text = renderEvidenceCsv([row("198.18.0.1:80", 10n, 4n), row("[2001:2::/64]:80", 5n, 0n)]);
  assert.equal(
    text,
    `${EVIDENCE_HEADER}\n198.18.0.1:80,SYN_FLOOD_LIKE,0.33,0.0000,block,10,600,1\n[2001:2::/64]:80,,0.33,,allow,5,300,1\n`,
  );
});

test("capping keeps the most would-drop, then most traffic, printed in the given (key) order", () => {
  const rows = [row("a", 1n, 0n), row("b", 100n, 0n), row("c", 5n, 5n), row("d", 50n, 0n)];
  const { rows: kept, leftOut } = capEvidence(rows, 2);
  assert.equal(leftOut, 2);
  assert.deepEqual(
    kept.map((r) => r.display),
    ["b", "c"],
  );
});
