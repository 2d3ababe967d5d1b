import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Counter, VALUE_COUNTERS } from "@ibsr/contract";
import {
  allocFlowColumns,
  allocFlowRows,
  encodeFlowRows,
  type FlowColumns,
  type FlowRows,
  gatherFlowRows,
} from "../maps/flow-rows.js";
import { HashDeltaEngine } from "../testing/hash-deltas.js";
import { DeltaEngine } from "./deltas.js";

interface Row {
  family: 4 | 6;
  addr: number[];
  port: number;
  prefixLen?: number;
  firstSeen: bigint;
  c: Partial<Record<Counter, bigint>>;
}

function columnsOf(rows: Row[], capacity = Math.max(rows.length, 1)): FlowColumns {
  const cols = allocFlowColumns(capacity);
  rows.forEach((r, i) => {
    cols.family[i] = r.family;
    cols.prefixLen[i] = r.prefixLen ?? (r.family === 4 ? 32 : 64);
    cols.dstPort[i] = r.port;
    cols.src.set(r.addr, i * 16);
    cols.firstSeen[i] = r.firstSeen;
    for (const c of VALUE_COUNTERS) cols[c][i] = r.c[c] ?? 0n;
  });
  return cols;
}

/** The rows as a drain leaves them (the kernel's layout). */
function columns(rows: Row[], capacity = Math.max(rows.length, 1)): FlowRows {
  const cols = columnsOf(rows, capacity);
  return encodeFlowRows(cols, rows.length, allocFlowRows(capacity));
}

const A: Row = {
  family: 4,
  addr: [198, 18, 0, 1],
  port: 443,
  firstSeen: 1000n,
  c: { syn: 5n, packets: 10n, bytes: 600n },
};
const B: Row = {
  family: 4,
  addr: [198, 18, 0, 2],
  port: 443,
  firstSeen: 2000n,
  c: { syn: 1n, packets: 1n, bytes: 60n },
};
const V6: Row = {
  family: 6,
  addr: [0x20, 0x01, 0, 2, 0, 0, 0, 1],
  port: 443,
  firstSeen: 3000n,
  c: { ack: 7n, packets: 7n },
};

/**
 * Where drained row i is in the result: compute() moves the rows into snapshot order, and the result's
 * indexes are positions in that order (drainRow maps them back).
 */
function at(res: { drainRow: Uint32Array }, i: number): number {
  const p = res.drainRow.indexOf(i);
  assert.ok(p >= 0, `drained row ${i} is in the result`);
  return p;
}

function deltaOf(res: ReturnType<DeltaEngine["compute"]>, i: number): Record<string, bigint> {
  return Object.fromEntries(VALUE_COUNTERS.map((c) => [c, res.delta(c, i)]));
}

function columnsOfDeltas(n: number): Record<Counter, BigInt64Array> {
  return Object.fromEntries(VALUE_COUNTERS.map((c) => [c, new BigInt64Array(n)])) as Record<
    Counter,
    BigInt64Array
  >;
}

describe("DeltaEngine", () => {
  test("first snapshot: every row is new, delta = cumulative, span from the run start", () => {
    const e = new DeltaEngine(8, 1_000_000n);
    const res = e.compute(columns([A, V6]), 2, 61_000_000n);
    assert.deepEqual([...res.newEntry.subarray(0, 2)], [1, 1]);
    assert.equal(res.delta("syn", at(res, 0)), 5n);
    assert.equal(res.delta("ack", at(res, 1)), 7n);
    assert.equal(res.baseTsUs, 1_000_000n);
    assert.equal(res.spanUs, 60_000_000n);
    assert.equal(res.stats.newEntries, 2);
    assert.equal(res.stats.disappeared, 0);
  });

  test("continuing, new, re-inserted and disappeared keys", () => {
    const e = new DeltaEngine(8, 0n);
    e.compute(columns([A, B, V6]), 3, 10n);
    e.commit();
    const A2 = { ...A, c: { syn: 8n, packets: 15n, bytes: 900n } };
    // B was evicted and re-inserted: same key, new first_seen, small counts.
    const B2 = { ...B, firstSeen: 9000n, c: { syn: 2n, packets: 2n, bytes: 120n } };
    const C: Row = {
      family: 4,
      addr: [198, 18, 0, 3],
      port: 22,
      firstSeen: 9500n,
      c: { rst: 1n, packets: 1n },
    };
    const res = e.compute(columns([C, B2, A2]), 3, 20n);
    // The rows are in snapshot order now: C (port 22), A2, B2.
    assert.deepEqual([...res.drainRow], [0, 2, 1]);
    const [c, b2, a2] = [at(res, 0), at(res, 1), at(res, 2)];
    assert.equal(res.newEntry[c], 1);
    assert.equal(res.delta("rst", c), 1n);
    assert.equal(res.newEntry[b2], 1, "re-inserted entry counts as new");
    assert.deepEqual(deltaOf(res, b2), { ...deltaOf(res, b2), syn: 2n, packets: 2n, bytes: 120n });
    assert.equal(res.newEntry[a2], 0);
    assert.equal(res.delta("syn", a2), 3n);
    assert.equal(res.delta("packets", a2), 5n);
    assert.equal(res.delta("bytes", a2), 300n);
    assert.equal(res.delta("ack", a2), 0n);
    assert.deepEqual(
      { ...res.stats },
      {
        rows: 3,
        continuing: 1,
        newEntries: 2,
        reinserted: 1,
        disappeared: 1,
        negativeAnomalies: 0,
        duplicateKeys: 0,
        changedRows: 3,
      },
    );
    assert.equal(res.spanUs, 10n);
  });

  test("an unchanged continuing row has changed = 0", () => {
    const e = new DeltaEngine(4, 0n);
    e.compute(columns([A]), 1, 1n);
    e.commit();
    const res = e.compute(columns([A]), 1, 2n);
    assert.equal(res.newEntry[0], 0);
    assert.equal(res.changed[0], 0);
    assert.equal(res.stats.changedRows, 0);
  });

  test("64-bit subtraction across the 32-bit boundary", () => {
    const e = new DeltaEngine(4, 0n);
    const big = 2n ** 32n - 1n;
    e.compute(columns([{ ...A, c: { bytes: big, packets: 2n ** 40n } }]), 1, 1n);
    e.commit();
    const res = e.compute(columns([{ ...A, c: { bytes: big + 6n, packets: 2n ** 41n } }]), 1, 2n);
    assert.equal(res.delta("bytes", 0), 6n);
    assert.equal(res.delta("packets", 0), 2n ** 40n);
  });

  test("values near and above 2^32 and 2^53, up to 2^63, stay exact through the compact baseline", () => {
    // [before, after] per counter; after >= before unless marked as going down. Rows are spread over
    // several 32-row words of the baseline's escape bitmap, escaped (a high word) and not, in both drains.
    const pairs: [bigint, bigint][] = [
      [2n ** 32n - 1n, 2n ** 32n + 5n], // crosses into a high word
      [2n ** 32n + 1n, 2n ** 32n + 10n], // both escaped
      [5n, 5n + 2n ** 33n], // a delta that itself needs the high word
      [2n ** 53n - 1n, 2n ** 53n + 1n], // around the doubles' exact range
      [2n ** 53n + 3n, 2n ** 53n + 7n],
      [2n ** 40n, 2n ** 52n + 3n],
      [2n ** 63n - 200n, 2n ** 63n - 101n], // the top of the signed 64-bit counters (+ up to 99 below)
      [0n, 0n],
    ];
    const n = 100;
    const rowsAt = (t: 0 | 1): Row[] =>
      Array.from({ length: n }, (_, i) => {
        const c: Partial<Record<Counter, bigint>> = {};
        VALUE_COUNTERS.forEach((name, k) => {
          // Every third row keeps small counters, so escaped and plain rows interleave.
          const p = pairs[(i + k) % pairs.length]!;
          c[name] = i % 3 === 0 ? BigInt(i + k + t) : p[t] + BigInt(i);
        });
        return { family: 4, addr: [198, 18, i >> 8, i & 255], port: 443, firstSeen: BigInt(i + 1), c };
      });
    const before = rowsAt(0);
    const after = rowsAt(1);
    const e = new DeltaEngine(n, 0n);
    e.compute(columns(before), n, 1n);
    e.commit();
    const res = e.compute(columns(after), n, 2n);
    assert.equal(res.stats.continuing, n);
    assert.equal(res.stats.negativeAnomalies, 0);
    const out = columnsOfDeltas(n);
    res.gatherDeltas(
      Uint32Array.from({ length: n }, (_, i) => i),
      0,
      n,
      out,
    );
    for (const c of VALUE_COUNTERS) {
      let sum = 0n;
      for (let i = 0; i < n; i++) {
        const want = after[i]!.c[c]! - before[i]!.c[c]!;
        assert.equal(res.delta(c, i), want, `row ${i} ${c} delta`);
        assert.equal(out[c][i], want, `row ${i} ${c} gathered`);
        sum += want;
      }
      assert.equal(res.sum(c), sum, `${c} sum`);
    }
    // A counter that goes down in its high word only (an escaped baseline row) is still an anomaly.
    e.commit();
    const down = after.map((r, i) => (i === 4 ? { ...r, c: { ...r.c, syn: r.c.syn! - 2n ** 32n } } : r));
    const res2 = e.compute(columns(down), n, 3n);
    assert.equal(res2.stats.negativeAnomalies, 1);
    assert.equal(res2.newEntry[4], 1);
    assert.equal(res2.delta("syn", 4), down[4]!.c.syn!);
  });

  test("release() ends a snapshot: the deltas are gone, the baseline stays, the next compute works", () => {
    const e = new DeltaEngine(4, 0n);
    e.compute(columns([A, B]), 2, 1n);
    e.commit();
    const res = e.compute(columns([{ ...A, c: { ...A.c, syn: 9n } }, B]), 2, 2n);
    e.release();
    assert.throws(() => res.delta("syn", 0), /between compute\(\) and commit\(\)/);
    assert.equal(res.newEntry.length, 0, "the per-snapshot buffers are dropped");
    e.commit(); // a no-op after release(): the baseline is still the first drain
    assert.equal(e.baselineTsUs, 1n);
    const next = e.compute(columns([B, { ...A, c: { ...A.c, syn: 12n } }]), 2, 3n);
    assert.equal(next.delta("syn", at(next, 1)), 7n, "12 - 5, against the committed baseline");
    assert.equal(next.newEntry.length, 4);
    assert.deepEqual([...next.drainRow], [1, 0], "the sort buffers were allocated again");
  });

  test("a counter that went down is an anomaly and the row is treated as new", () => {
    const e = new DeltaEngine(4, 0n);
    e.compute(columns([A]), 1, 1n);
    e.commit();
    const res = e.compute(columns([{ ...A, c: { syn: 4n, packets: 11n } }]), 1, 2n);
    assert.equal(res.newEntry[0], 1);
    assert.equal(res.delta("syn", 0), 4n);
    assert.equal(res.delta("packets", 0), 11n);
    assert.equal(res.stats.negativeAnomalies, 1);
  });

  test("gap: an uncommitted snapshot (failed write) leaves the baseline, deltas cover the gap", () => {
    const e = new DeltaEngine(4, 0n);
    e.compute(columns([A]), 1, 100n);
    e.commit(); // snapshot 0 written
    e.compute(columns([{ ...A, c: { ...A.c, syn: 6n } }]), 1, 200n); // snapshot 1: write failed, no commit
    const res = e.compute(columns([{ ...A, c: { ...A.c, syn: 9n } }]), 1, 300n); // snapshot 2
    assert.equal(res.delta("syn", 0), 4n, "9 - 5: since the last written snapshot");
    assert.equal(res.baseTsUs, 100n);
    assert.equal(res.spanUs, 200n);
    e.commit();
    assert.equal(e.baselineTsUs, 300n);
    const next = e.compute(columns([{ ...A, c: { ...A.c, syn: 10n } }]), 1, 400n);
    assert.equal(next.delta("syn", 0), 1n);
  });

  test("the same key twice in one drain: the second row is new and counted", () => {
    const e = new DeltaEngine(4, 0n);
    e.compute(columns([A]), 1, 1n);
    e.commit();
    const res = e.compute(columns([A, A]), 2, 2n);
    assert.equal(res.newEntry[0], 0);
    assert.equal(res.newEntry[1], 1);
    assert.equal(res.stats.duplicateKeys, 1);
  });

  test("keys differ by family, prefix length and port", () => {
    const e = new DeltaEngine(8, 0n);
    const base: Row = { family: 4, addr: [1, 2, 3, 4], port: 80, firstSeen: 1n, c: { syn: 1n } };
    const variants: Row[] = [
      base,
      { ...base, port: 81 },
      { ...base, family: 6 },
      { ...base, family: 6, prefixLen: 48 },
    ];
    e.compute(columns(variants), 4, 1n);
    e.commit();
    const res = e.compute(columns(variants.map((v) => ({ ...v, c: { syn: 2n } }))), 4, 2n);
    assert.equal(res.stats.continuing, 4);
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => res.delta("syn", i)),
      [1n, 1n, 1n, 1n],
    );
  });

  test("one reused drain buffer (as the run loop does): commit copies, later drains do not disturb the baseline", () => {
    const e = new DeltaEngine(4, 0n);
    const cols = columnsOf([A, B], 4);
    const drained = encodeFlowRows(cols, 2, allocFlowRows(4));
    // Each "drain" rewrites the same buffer.
    const drain = () => encodeFlowRows(cols, 2, drained);
    e.compute(drained, 2, 1n);
    e.commit();
    cols.syn[0] = 50n;
    cols.packets[0] = 60n;
    e.compute(drain(), 2, 2n); // write fails: no commit
    cols.syn[0] = 70n;
    cols.packets[0] = 80n;
    const res = e.compute(drain(), 2, 3n);
    assert.equal(res.delta("syn", 0), 65n, "70 - 5, from the committed drain");
    assert.equal(res.delta("packets", 0), 70n);
    e.commit();
    cols.syn[0] = 71n;
    assert.equal(e.compute(drain(), 2, 4n).delta("syn", 0), 1n);
  });

  test("deltas are read between compute() and commit(); a row outside the drain is refused", () => {
    const e = new DeltaEngine(4, 0n);
    const res = e.compute(columns([A, B], 4), 2, 1n);
    assert.throws(() => res.delta("syn", 2), /row 2 is outside 0\.\.1/);
    assert.throws(
      () => res.gatherDeltas(new Uint32Array([3]), 0, 1, columnsOfDeltas(1)),
      /gatherDeltas: row 3 is outside 0\.\.1/,
    );
    e.commit();
    assert.throws(() => res.delta("syn", 0), /between compute\(\) and commit\(\)/);
    assert.throws(() => res.sum("packets"), /between compute\(\) and commit\(\)/);
  });

  test("rejects a count above capacity", () => {
    const e = new DeltaEngine(2, 0n);
    assert.throws(() => e.compute(allocFlowRows(4), 3, 1n), RangeError);
  });

  test("randomised: matches a naive reference over many drains with evictions and failed writes", () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const capacity = 300;
    const e = new DeltaEngine(capacity, 0n);
    // The "kernel map": key -> { firstSeen, counters }.
    const live = new Map<string, Row>();
    let written = new Map<string, Row>(); // the reference baseline
    let clock = 1n;
    for (let round = 0; round < 40; round++) {
      // Traffic: grow counters, insert new keys, evict some.
      for (let k = 0; k < 60; k++) {
        const fam = rnd(2) === 0 ? 4 : 6;
        const addr = fam === 4 ? [10, 0, rnd(3), rnd(40)] : [0x20, 0x01, 0, 2, 0, rnd(3), 0, rnd(40)];
        const port = [22, 443][rnd(2)]!;
        const key = `${fam}|${addr.join(".")}|${port}`;
        let row = live.get(key);
        if (!row) {
          if (live.size >= capacity) continue;
          row = { family: fam as 4 | 6, addr, port, firstSeen: clock++, c: {} };
          live.set(key, row);
        }
        const add = BigInt(rnd(5)) + (rnd(10) === 0 ? 2n ** 33n : 0n);
        row.c = { ...row.c, packets: (row.c.packets ?? 0n) + add, syn: (row.c.syn ?? 0n) + BigInt(rnd(2)) };
      }
      for (const key of [...live.keys()]) if (rnd(12) === 0) live.delete(key);
      // Drain in arbitrary order.
      const rows = [...live.values()].sort(() => rnd(3) - 1).map((r) => ({ ...r, c: { ...r.c } }));
      const res = e.compute(columns(rows, capacity), rows.length, BigInt(round));
      rows.forEach((r, d) => {
        const i = at(res, d);
        const key = `${r.family}|${r.addr.join(".")}|${r.port}`;
        const prev = written.get(key);
        const cont = prev !== undefined && prev.firstSeen === r.firstSeen;
        assert.equal(res.newEntry[i], cont ? 0 : 1, `round ${round} row ${d} new_entry`);
        for (const c of ["packets", "syn"] as const) {
          const expected = (r.c[c] ?? 0n) - (cont ? (prev!.c[c] ?? 0n) : 0n);
          assert.equal(res.delta(c, i), expected, `round ${round} row ${d} ${c}`);
        }
      });
      // The exact sums and the chunk gather agree with the per-row deltas.
      for (const c of ["packets", "syn"] as const) {
        let total = 0n;
        for (let i = 0; i < rows.length; i++) total += res.delta(c, i);
        assert.equal(res.sum(c), total, `round ${round} sum of ${c}`);
      }
      const picked = Uint32Array.from({ length: rows.length }, (_, i) => rows.length - 1 - i);
      const out = columnsOfDeltas(rows.length);
      const from = Math.min(3, rows.length);
      res.gatherDeltas(picked, from, rows.length - from, out);
      for (let r = 0; r < rows.length - from; r++) {
        assert.equal(out.packets[r], res.delta("packets", picked[from + r]!), `round ${round} gathered ${r}`);
      }
      const expectedGone = [...written.keys()].filter(
        (k) => !rows.some((r) => `${r.family}|${r.addr.join(".")}|${r.port}` === k),
      ).length;
      assert.equal(res.stats.disappeared, expectedGone, `round ${round} disappeared`);
      // Every third write "fails": no commit, the reference baseline stays too.
      if (round % 3 !== 2) {
        e.commit();
        written = new Map(rows.map((r) => [`${r.family}|${r.addr.join(".")}|${r.port}`, r]));
      }
    }
  });

  test("randomised: the merge agrees with the hash-table engine on every output (re-inserts, evictions, duplicates, anomalies, gaps)", () => {
    let seed = 777;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const capacity = 400;
    const merge = new DeltaEngine(capacity, 5n);
    const hash = new HashDeltaEngine(capacity, 5n);
    const live = new Map<string, Row>();
    let clock = 1n;
    const keyOf = (r: Row) => `${r.family}|${r.prefixLen}|${r.addr.join(".")}|${r.port}`;
    const checked = { reinserted: 0, duplicateKeys: 0, negativeAnomalies: 0, disappeared: 0 };
    for (let round = 0; round < 60; round++) {
      for (let k = 0; k < 80; k++) {
        const fam = rnd(2) === 0 ? 4 : 6;
        // Few distinct values per byte, including ones with the top bit set (unsigned compares).
        const pick = () => [0, 1, 127, 128, 255][rnd(5)]!;
        const addr =
          fam === 4 ? [198, pick(), pick(), pick()] : [0x20, 0x01, pick(), 2, 0, pick(), 0, pick()];
        const row: Row = {
          family: fam as 4 | 6,
          addr,
          port: [22, 443, 65535][rnd(3)]!,
          prefixLen: fam === 4 ? 32 : [48, 64][rnd(2)]!,
          firstSeen: 0n,
          c: {},
        };
        const key = keyOf(row);
        let r = live.get(key);
        if (!r) {
          if (live.size >= capacity - 10) continue;
          r = { ...row, firstSeen: clock++ };
          live.set(key, r);
        }
        const add = BigInt(rnd(4)) + (rnd(10) === 0 ? 2n ** 32n - 1n : 0n);
        r.c = { ...r.c, packets: (r.c.packets ?? 0n) + add, bytes: (r.c.bytes ?? 0n) + add * 60n };
      }
      // Evictions, and re-inserts of the same key with a new first_seen.
      for (const [key, r] of [...live]) {
        const x = rnd(20);
        if (x === 0) live.delete(key);
        else if (x === 1) live.set(key, { ...r, firstSeen: clock++, c: { packets: 1n } });
        // A counter that goes down (cannot happen in the kernel; both engines treat the row as new).
        else if (x === 2 && (r.c.packets ?? 0n) > 0n) r.c = { ...r.c, packets: (r.c.packets ?? 0n) - 1n };
      }
      const rows = [...live.values()].sort(() => rnd(3) - 1).map((r) => ({ ...r, c: { ...r.c } }));
      // The same key twice in one drain (a batch walk racing with inserts).
      if (rows.length > 2 && rnd(3) === 0) rows.push({ ...rows[rnd(rows.length)]!, c: { syn: 1n } });
      // Each engine gets its own copy of the drain: the merge moves its rows into snapshot order, the
      // hash engine reads them in drain order; drainRow pairs the two.
      const m = merge.compute(columns(rows, capacity), rows.length, BigInt(round * 1000));
      const h = hash.compute(columns(rows, capacity), rows.length, BigInt(round * 1000));
      assert.deepEqual(m.stats, h.stats, `round ${round} stats`);
      assert.equal(m.spanUs, h.spanUs);
      assert.equal(m.baseTsUs, h.baseTsUs);
      for (let i = 0; i < rows.length; i++) {
        const d = m.drainRow[i]!;
        assert.equal(m.newEntry[i], h.newEntry[d], `round ${round} row ${d} new_entry`);
        assert.equal(m.changed[i], h.changed[d], `round ${round} row ${d} changed`);
        for (const c of VALUE_COUNTERS)
          assert.equal(m.delta(c, i), h.delta(c, d), `round ${round} row ${d} ${c}`);
      }
      for (const c of VALUE_COUNTERS) assert.equal(m.sum(c), h.sum(c), `round ${round} sum ${c}`);
      assert.deepEqual(
        [...m.drainRow].sort((x, y) => x - y),
        rows.map((_, i) => i),
        "drainRow is a permutation of the drain",
      );
      for (const k of Object.keys(checked) as (keyof typeof checked)[]) checked[k] += m.stats[k];
      // Failed writes (no commit) now and then, and one reset.
      if (round % 4 !== 3) {
        merge.commit();
        hash.commit();
      }
      if (round === 30) {
        merge.reset(BigInt(round * 1000 + 1));
        hash.reset(BigInt(round * 1000 + 1));
      }
    }
    // The random drains did exercise every path.
    for (const [k, v] of Object.entries(checked)) assert.ok(v > 0, `no ${k} happened`);
  });

  test("the drained rows come back sorted in snapshot order", () => {
    const e = new DeltaEngine(8, 0n);
    const res = e.compute(columns([V6, B, A, { ...A, port: 22 }]), 4, 1n);
    assert.deepEqual([...res.drainRow], [3, 2, 1, 0]);
  });

  test("compute() moves the drained rows themselves into snapshot order, values and escaped high words with their keys", () => {
    // Shuffled drains of rows whose counters sit above 2^32 in places (escaped) and below elsewhere, with
    // a duplicate key: after compute() row i of the drain buffer is drained row drainRow[i], in snapshot
    // order, equal keys in drain order; deltas across two such drains stay exact.
    const n = 70;
    const rowAt = (i: number, t: number): Row => ({
      family: i % 5 === 0 ? 6 : 4,
      addr: i % 5 === 0 ? [0x20, 0x01, 0, 2, 0, 0, 0, i] : [198, 18, i >> 8, i & 255],
      port: [22, 443, 8080][i % 3]!,
      firstSeen: BigInt(1000 + i),
      c: {
        syn: BigInt(i + t),
        bytes: i % 4 === 0 ? 2n ** 40n + BigInt(i) + BigInt(t) * 2n ** 33n : BigInt(i * 60 + t),
        packets: i % 7 === 0 ? 2n ** 63n - 1000n + BigInt(i + t) : BigInt(i + t),
      },
    });
    let seed = 99;
    const shuffle = <T>(xs: T[]): T[] => {
      const a = [...xs];
      for (let i = a.length - 1; i > 0; i--) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const j = (seed >>> 8) % (i + 1);
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      return a;
    };
    const e = new DeltaEngine(n + 1, 0n);
    for (let t = 0; t < 3; t++) {
      const rows = shuffle(Array.from({ length: n }, (_, i) => rowAt(i, t)));
      // A duplicate of the first row, later in the drain, with other counters: it must stay second.
      rows.push({ ...rows[0]!, c: { syn: 77n } });
      const drained = columns(rows);
      const res = e.compute(drained, rows.length, BigInt(t + 1));
      const got = allocFlowColumns(rows.length);
      const identity = Uint32Array.from({ length: rows.length }, (_, i) => i);
      gatherFlowRows(drained, identity, 0, rows.length, got);
      const keyOf = (r: Row) => [r.port, r.family, ...r.addr, r.prefixLen ?? (r.family === 4 ? 32 : 64)];
      for (let i = 0; i < rows.length; i++) {
        const want = rows[res.drainRow[i]!]!;
        assert.equal(got.dstPort[i], want.port, `round ${t} row ${i} port`);
        assert.equal(got.family[i], want.family);
        assert.deepEqual([...got.src.subarray(i * 16, i * 16 + want.addr.length)], want.addr);
        assert.equal(got.firstSeen[i], want.firstSeen);
        for (const c of VALUE_COUNTERS) assert.equal(got[c][i], want.c[c] ?? 0n, `round ${t} row ${i} ${c}`);
        if (i > 0) {
          const a = keyOf(rows[res.drainRow[i - 1]!]!);
          const b = keyOf(want);
          const cmp = a.findIndex((x, k) => x !== b[k]);
          assert.ok(cmp < 0 || a[cmp]! < b[cmp]!, `round ${t}: rows ${i - 1} and ${i} in snapshot order`);
          if (cmp < 0) assert.ok(res.drainRow[i - 1]! < res.drainRow[i]!, "equal keys keep drain order");
        }
      }
      assert.equal(res.stats.duplicateKeys, 1);
      const dup = at(res, rows.length - 1);
      assert.equal(res.newEntry[dup], 1, "the later duplicate is the new one");
      if (t > 0) {
        assert.equal(res.stats.continuing, n);
        for (let i = 0; i < rows.length; i++) {
          if (i === dup) continue;
          for (const c of ["syn", "bytes", "packets"] as const) {
            const step = c === "bytes" && rows[res.drainRow[i]!]!.c.bytes! >= 2n ** 40n ? 2n ** 33n : 1n;
            assert.equal(res.delta(c, i), c === "syn" || c === "packets" ? 1n : step, `round ${t} ${c}`);
          }
        }
      }
      e.commit();
    }
  });
});
