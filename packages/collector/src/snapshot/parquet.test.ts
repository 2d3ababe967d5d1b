import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
// DuckDB is a root devDependency: tests may read files with it, the package source never imports it.
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import {
  DELTA_COLUMNS,
  GLOBAL_FIELDS,
  GLOBAL_META_KEYS,
  type GlobalTotals,
  LAYOUT_VERSION,
  META_KEYS,
  parseAddress,
  parseSnapshotKeyValue,
  SNAPSHOT_COLUMN_NAMES,
  SNAPSHOT_COLUMNS,
  SNAPSHOT_SCHEMA_VERSION,
  type SnapshotMeta,
  snapshotKeyValue,
  VALUE_COUNTERS,
} from "@ibsr/contract";
import { Field, Int32, makeData, RecordBatch, Schema, Struct, Table, tableToIPC } from "apache-arrow";
import { decodeSnapshotParquet, readParquetKeyValue } from "../testing/parquet-read.js";
import {
  allocSnapshotRows,
  encodeSnapshotParquet,
  type SnapshotFile,
  type SnapshotRows,
  snapshotRowOrder,
  sortSnapshotRows,
  takeRows,
} from "./parquet.js";
import { parquet } from "./parquet-wasm.js";

const SOURCES: [string, number, number][] = [
  // text, prefix_len, dst_port (deliberately unsorted)
  ["198.18.0.10", 32, 8080],
  ["2001:2:0:5::", 64, 443],
  ["198.18.0.9", 32, 443],
  ["10.0.0.1", 32, 443],
  ["2001:2::", 64, 443],
  ["198.18.255.255", 32, 22],
  ["2001:2:0:ffff::", 64, 8080],
];

function meta(): SnapshotMeta {
  return {
    collectorVersion: "0.1.0-test",
    host: "edge-1",
    iface: "veth-ibsr",
    runId: "20261126T053300Z-1234",
    seq: 7,
    tsUs: 1_795_670_000_123_456n,
    baseTsUs: 1_795_669_580_000_000n,
    intervalSec: 60,
    xdpMode: "generic",
    mtu: 1500,
    offload: { "generic-receive-offload": "on", "large-receive-offload": "off [fixed]" },
    mapCapacity: 100_000,
    liveEntries: SOURCES.length,
    kernelRelease: "6.18.0-test",
    ports: [22, 443, 8080],
    ipv6PrefixLen: 64,
    globals: Object.fromEntries(GLOBAL_FIELDS.map((f, i) => [f, 2n ** 40n + BigInt(i)])) as GlobalTotals,
    monoOffsetNs: 1_795_000_000_000_000_000n,
  };
}

function rows(): SnapshotRows {
  const r = allocSnapshotRows(SOURCES.length + 3);
  r.length = SOURCES.length;
  SOURCES.forEach(([text, len, port], i) => {
    const p = parseAddress(text);
    r.family[i] = p.family;
    r.prefixLen[i] = len;
    r.dstPort[i] = port;
    r.src.set(p.bytes, i * 16);
    VALUE_COUNTERS.forEach((c, k) => {
      r[c][i] = BigInt((i + 1) * 1000 + k);
      r.deltas[c][i] = BigInt(i * 10 + k);
    });
    r.newEntry[i] = i % 2;
    r.spanUs[i] = 60_000_000n + BigInt(i);
    r.firstSeen[i] = 123_456_789_000n + BigInt(i);
  });
  // Extremes of signed INT64 must survive: the largest cumulative count, and a delta that a
  // buggy writer might produce as negative (it is stored as given; the reporter judges it).
  r.bytes[0] = 2n ** 63n - 1n;
  r.deltas.bytes[1] = -1n;
  r.firstSeen[2] = -(2n ** 63n);
  return r;
}

const snapshot = (): SnapshotFile => ({ meta: meta(), rows: sortSnapshotRows(rows()) });

function rowTuples(r: SnapshotRows): string[] {
  const out: string[] = [];
  for (let i = 0; i < r.length; i++) {
    out.push(
      [
        r.family[i],
        r.prefixLen[i],
        r.dstPort[i],
        Buffer.from(r.src.subarray(i * 16, i * 16 + 16)).toString("hex"),
        ...VALUE_COUNTERS.map((c) => r[c][i]),
        ...VALUE_COUNTERS.map((c) => r.deltas[c][i]),
        r.newEntry[i],
        r.spanUs[i],
        r.firstSeen[i],
      ].join(","),
    );
  }
  return out;
}

describe("snapshot schema", () => {
  test("column list matches the data contract", () => {
    assert.deepEqual(SNAPSHOT_COLUMN_NAMES, [
      "ts",
      "base_ts",
      "seq",
      "run_id",
      "host",
      "iface",
      "family",
      "src",
      "prefix_len",
      "dst_port",
      "syn",
      "synack",
      "ack",
      "handshake_ack",
      "rst",
      "fin",
      "packets",
      "bytes",
      "syn_delta",
      "synack_delta",
      "ack_delta",
      "handshake_ack_delta",
      "rst_delta",
      "fin_delta",
      "packets_delta",
      "bytes_delta",
      "new_entry",
      "span_us",
      "first_seen_mono_ns",
    ]);
    assert.deepEqual(
      DELTA_COLUMNS,
      VALUE_COUNTERS.map((c) => `${c}_delta`),
    );
    assert.ok(Object.values(META_KEYS).every((k) => k.startsWith("ibsr.")));
    assert.ok(Object.values(GLOBAL_META_KEYS).every((k) => k.startsWith("ibsr.global.")));
  });

  test("rows sort by (port, family, address numerically)", () => {
    const sorted = sortSnapshotRows(rows());
    const keys: string[] = [];
    for (let i = 0; i < sorted.length; i++) {
      keys.push(
        `${sorted.dstPort[i]} ${sorted.family[i]} ${Buffer.from(sorted.src.subarray(i * 16, i * 16 + 4)).join(".")}`,
      );
    }
    assert.deepEqual(keys, [
      "22 4 198.18.255.255",
      "443 4 10.0.0.1",
      "443 4 198.18.0.9",
      "443 6 32.1.0.2", // 2001:2::
      "443 6 32.1.0.2", // 2001:2:0:5::
      "8080 4 198.18.0.10",
      "8080 6 32.1.0.2",
    ]);
    // The two IPv6 /64s on 443 in numeric order: 2001:2:: before 2001:2:0:5::.
    assert.equal(sorted.src[4 * 16 + 7], 5);
    assert.equal(sorted.src[3 * 16 + 7], 0);
    // The sort carries every column with its row.
    const original = rowTuples(rows());
    assert.deepEqual([...rowTuples(sorted)].sort(), [...original].sort());
    assert.deepEqual([...snapshotRowOrder(sorted, sorted.length)], [0, 1, 2, 3, 4, 5, 6]);
  });

  test("takeRows filters and reorders every column together", () => {
    const r = rows();
    const picked = takeRows(r, [6, 0]);
    assert.equal(picked.length, 2);
    assert.deepEqual(rowTuples(picked), [rowTuples(r)[6], rowTuples(r)[0]]);
    assert.throws(() => takeRows(r, [99]), /index 99 is outside 0\.\.9/);
  });

  test("key/value metadata round-trips and names a missing or bad key", () => {
    const kv = snapshotKeyValue(meta());
    assert.equal(kv.get(META_KEYS.schemaVersion), String(SNAPSHOT_SCHEMA_VERSION));
    assert.deepEqual(parseSnapshotKeyValue(kv), {
      ...meta(),
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      layoutVersion: LAYOUT_VERSION,
    });
    const missing = new Map(kv);
    missing.delete(META_KEYS.mtu);
    assert.throws(() => parseSnapshotKeyValue(missing), /metadata key ibsr\.mtu is missing/);
    const bad = new Map(kv);
    bad.set(GLOBAL_META_KEYS.inserts, "12x");
    assert.throws(() => parseSnapshotKeyValue(bad), /ibsr\.global\.inserts = "12x" is not an integer/);
  });

  test("the synthetic label is written only for generated data and round-trips", () => {
    assert.equal(snapshotKeyValue(meta()).has(META_KEYS.synthetic), false);
    assert.equal(parseSnapshotKeyValue(snapshotKeyValue(meta())).synthetic, undefined);
    const kv = snapshotKeyValue({ ...meta(), synthetic: "demo generator" });
    assert.equal(kv.get(META_KEYS.synthetic), "demo generator");
    assert.equal(parseSnapshotKeyValue(kv).synthetic, "demo generator");
  });
});

describe("Parquet round trip", () => {
  let dir: string;
  let file: string;
  let bytes: Uint8Array;
  let instance: DuckDBInstance;
  let db: DuckDBConnection;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "ibsr-schema-"));
    file = join(dir, "snap.parquet");
    bytes = encodeSnapshotParquet(snapshot());
    writeFileSync(file, bytes);
    instance = await DuckDBInstance.create(":memory:");
    db = await instance.connect();
  });
  after(() => {
    db?.closeSync();
    instance?.closeSync();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const query = async (sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJson();

  test("parquet-wasm reads back every row and the metadata", () => {
    const s = snapshot();
    const back = decodeSnapshotParquet(bytes);
    assert.deepEqual(rowTuples(back.rows), rowTuples(s.rows));
    assert.deepEqual(back.meta, {
      ...s.meta,
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      layoutVersion: LAYOUT_VERSION,
    });
    assert.equal(back.keyValue.get("ibsr.global.packets_seen"), String(2n ** 40n));
  });

  test("an empty snapshot is a valid file", () => {
    const empty = allocSnapshotRows(0);
    const back = decodeSnapshotParquet(encodeSnapshotParquet({ meta: meta(), rows: empty }));
    assert.equal(back.rows.length, 0);
    assert.equal(back.meta.seq, 7);
  });

  // DuckDB reads TIMESTAMP(MICROS, isAdjustedToUTC=true) as TIMESTAMP WITH TIME ZONE (TIMESTAMPTZ),
  // not as a plain TIMESTAMP: SQL over ts/base_ts works on instants, whatever the session time zone.
  test("DuckDB sees the documented types for every column", async () => {
    const described = await query(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    assert.deepEqual(
      described.map((r) => [r.column_name, r.column_type]),
      SNAPSHOT_COLUMNS.map((c) => [c.name, c.duckdb]),
    );
    const physical = await query(
      `SELECT name, type, type_length, converted_type FROM parquet_schema('${file}') WHERE name IN ('src', 'ts', 'bytes')`,
    );
    const byName = Object.fromEntries(physical.map((r) => [r.name, r]));
    assert.equal(byName.src?.type, "FIXED_LEN_BYTE_ARRAY");
    assert.equal(byName.src?.type_length, "16");
    assert.equal(byName.ts?.converted_type, "TIMESTAMP_MICROS");
    assert.equal(byName.bytes?.type, "INT64");
    const codecs = await query(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`);
    assert.deepEqual(
      codecs.map((r) => r.compression),
      ["ZSTD"],
    );
    // Per-row counters are delta bit-packed without a dictionary; per-file constants keep theirs.
    const enc = await query(
      `SELECT path_in_schema AS col, encodings FROM parquet_metadata('${file}') WHERE path_in_schema IN ('bytes', 'syn_delta', 'first_seen_mono_ns', 'host')`,
    );
    const encOf = Object.fromEntries(enc.map((r) => [String(r.col), String(r.encodings)]));
    for (const c of ["bytes", "syn_delta", "first_seen_mono_ns"]) {
      assert.match(encOf[c] ?? "", /DELTA_BINARY_PACKED/, c);
      assert.doesNotMatch(encOf[c] ?? "", /DICTIONARY/, c);
    }
    assert.match(encOf.host ?? "", /DICTIONARY/);
  });

  test("statistics where readers use them, delta pages for per-file constants", async () => {
    const meta = await query(
      `SELECT path_in_schema AS col, encodings, stats_min_value AS lo, stats_max_value AS hi
       FROM parquet_metadata('${file}')`,
    );
    const of = Object.fromEntries(meta.map((r) => [String(r.col), r]));
    // The catalog reads span_us's maximum from the footer; DuckDB prunes row groups by ts and the key.
    const s = snapshot();
    const spans = [...s.rows.spanUs.subarray(0, s.rows.length)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    assert.equal(of.span_us?.hi, String(spans.at(-1)));
    for (const c of ["ts", "base_ts", "seq", "dst_port", "family", "src", "prefix_len"]) {
      assert.notEqual(of[c]?.hi ?? null, null, `${c} has a max statistic`);
    }
    for (const c of ["syn", "bytes", "syn_delta", "bytes_delta", "first_seen_mono_ns"]) {
      assert.equal(of[c]?.lo ?? null, null, `${c} has no statistics`);
      assert.equal(of[c]?.hi ?? null, null, `${c} has no statistics`);
    }
    for (const c of ["ts", "seq", "dst_port", "family", "prefix_len"]) {
      assert.match(String(of[c]?.encodings), /DELTA_BINARY_PACKED/, c);
      assert.doesNotMatch(String(of[c]?.encodings), /DICTIONARY/, c);
    }
    assert.doesNotMatch(String(of.src?.encodings), /DICTIONARY/);
  });

  test("DuckDB reads the same values, in stored order", async () => {
    const s = snapshot();
    const got = await query(
      `SELECT epoch_us(ts) AS ts, epoch_us(base_ts) AS base_ts, seq, run_id, host, iface, family, prefix_len, dst_port,
              lower(hex(src)) AS src, octet_length(src) AS src_len, ${VALUE_COUNTERS.join(", ")},
              ${DELTA_COLUMNS.join(", ")}, new_entry::INT AS new_entry, span_us, first_seen_mono_ns
       FROM read_parquet('${file}')`,
    );
    assert.equal(got.length, s.rows.length);
    const tuples = got.map((r) =>
      [
        r.family,
        r.prefix_len,
        r.dst_port,
        r.src,
        ...VALUE_COUNTERS.map((c) => r[c]),
        ...DELTA_COLUMNS.map((c) => r[c]),
        r.new_entry,
        r.span_us,
        r.first_seen_mono_ns,
      ].join(","),
    );
    assert.deepEqual(tuples, rowTuples(s.rows));
    for (const r of got) {
      assert.equal(r.ts, String(s.meta.tsUs));
      assert.equal(r.base_ts, String(s.meta.baseTsUs));
      assert.equal(r.seq, "7");
      assert.equal(r.run_id, s.meta.runId);
      assert.equal(r.host, "edge-1");
      assert.equal(r.iface, "veth-ibsr");
      assert.equal(r.src_len, "16");
    }
    // Stored order is DuckDB's own order by (port, family, address): BLOB compares bytewise.
    const ordered = await query(
      `SELECT lower(hex(src)) AS src FROM read_parquet('${file}') ORDER BY dst_port, family, src, prefix_len`,
    );
    assert.deepEqual(
      ordered.map((r) => r.src),
      got.map((r) => r.src),
    );
  });

  test("DuckDB reads the ibsr.* key/value metadata (parquet_kv_metadata)", async () => {
    const kv = await query(
      `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${file}') WHERE decode(key) LIKE 'ibsr.%'`,
    );
    const fromDuck = new Map(kv.map((r) => [String(r.k), String(r.v)]));
    assert.deepEqual(fromDuck, snapshotKeyValue(meta()));
    assert.deepEqual(readParquetKeyValue(bytes), fromDuck);
    assert.equal(fromDuck.get(META_KEYS.ports), "[22,443,8080]");
    assert.equal(fromDuck.get(META_KEYS.seq), "7");
  });

  // Why encodeSnapshotParquet uses WriterPropertiesBuilder.setKeyValueMetadata: metadata put on the
  // Arrow schema instead is only serialised inside the ARROW:schema blob, invisible to DuckDB.
  test("Arrow schema metadata alone does not reach the Parquet footer", async () => {
    const schema = new Schema([new Field("x", new Int32(), false)], new Map([["ibsr.via_arrow", "yes"]]));
    const x = makeData({ type: new Int32(), length: 1, data: new Int32Array([1]) });
    const table = new Table(
      schema,
      new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 1, children: [x] })),
    );
    const path = join(dir, "arrow-meta.parquet");
    writeFileSync(
      path,
      parquet.writeParquet(
        parquet.Table.fromIPCStream(tableToIPC(table, "stream")),
        new parquet.WriterPropertiesBuilder().build(),
      ),
    );
    const keys = await query(`SELECT decode(key) AS k FROM parquet_kv_metadata('${path}')`);
    assert.deepEqual(
      keys.map((r) => r.k),
      ["ARROW:schema"],
    );
  });
});
