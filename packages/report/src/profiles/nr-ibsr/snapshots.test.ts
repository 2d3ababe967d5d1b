// The strict conformance loader: what the reference's serde structs reject must be rejected here, with
// file:line, and what they accept must come through exactly (u64 beyond 2^53 included).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  loadSnapshots,
  parseSnapshotLine,
  parseSnapshotText,
  rustTrim,
  SnapshotLoadError,
} from "./snapshots.js";

const BUCKET =
  '{"key_type":"src_ip","src_ip":"10.0.0.1","dst_port":8080,"syn":5,"ack":1,"handshake_ack":1,"rst":0,"packets":6,"bytes":360}';
function line(over: Record<string, string> = {}, bucket = BUCKET): string {
  const fields: Record<string, string> = {
    version: "5",
    aggregation: '"src_ip_dst_port"',
    ts_unix_sec: "1000",
    interval_sec: "60",
    run_id: "1000",
    counter_mode: '"cumulative"',
    base_ts_unix_sec: "1000",
    dst_ports: "[8080]",
    buckets: `[${bucket}]`,
    ...over,
  };
  return `{${Object.entries(fields)
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `"${k}":${v}`)
    .join(",")}}`;
}

test("accepts v5, v6 and v7 lines and keeps u64 values exactly", () => {
  const s = parseSnapshotLine(line({ run_id: "18446744073709551615" }), "f", 1);
  assert.equal(s.runId, 18446744073709551615n);
  assert.equal(s.buckets[0]!.keyValue, 0x0a000001);
  assert.equal(s.buckets[0]!.dstPort, 8080);
  assert.equal(s.buckets[0]!.bytes, 360n);
  const v6 = parseSnapshotLine(
    line({ version: "6", resp_aggregates: '{"count":1,"resp_bytes_total":2,"x":[1]}' }),
    "f",
    1,
  );
  assert.equal(v6.version, 6);
  const v7 = parseSnapshotLine(
    line({
      version: "7",
      host: '{"cpu_mean":0.5,"rss_delta":-4096,"num_connections_max":null,"future":"x"}',
      resp_aggregates: '{"count":0,"resp_bytes_total":0,"amp_ratio_max":2,"req_bytes_max":null}',
      extra_member: '"ignored"',
    }),
    "f",
    1,
  );
  assert.equal(v7.version, 7);
  const noPort = BUCKET.replace('"dst_port":8080,', "");
  assert.equal(parseSnapshotLine(line({}, noPort), "f", 1).buckets[0]!.dstPort, undefined);
  const cidr = BUCKET.replace('"src_ip","src_ip":"10.0.0.1"', '"src_cidr24","src_ip":"10.0.0.77"');
  // The reference's schema crate keeps a src_cidr24 address as written; it does not mask it to the /24.
  assert.equal(parseSnapshotLine(line({}, cidr), "f", 1).buckets[0]!.keyValue, 0x0a00004d);
});

test("rejects what the reference's serde structs reject", () => {
  const bad: [string, string, RegExp][] = [
    ["version 4", line({ version: "4" }), /schema version mismatch/],
    ["missing field", line({ run_id: "" }), /missing field `run_id`/],
    ["float in an integer field", line({ ts_unix_sec: "1300.0" }), /floating point/],
    ["negative", line({ interval_sec: "-1" }), /unsigned/],
    ["u32 overflow", line({ interval_sec: "4294967296" }), /expected at most/],
    ["duplicate member", `${line().slice(0, -1)},"version":5}`, /duplicate field `version`/],
    ["unknown bucket member", line({}, BUCKET.replace("}", ',"fin":0}')), /unknown field `fin`/],
    ["dst_port null", line({}, BUCKET.replace("8080", "null")), /dst_port: invalid type: null/],
    [
      "leading zero octet",
      line({}, BUCKET.replace("10.0.0.1", "010.0.0.1")),
      /invalid IP address: 010.0.0.1/,
    ],
    ["IPv6 source", line({}, BUCKET.replace("10.0.0.1", "2001:2::1")), /invalid IP address/],
    ["bad key_type", line({}, BUCKET.replace('"src_ip","src_ip"', '"dst_ip","src_ip"')), /unknown variant/],
    ["port above u16", line({ dst_ports: "[70000]" }), /dst_ports\[0\]/],
    [
      "resp_aggregates without count",
      line({ version: "6", resp_aggregates: '{"resp_bytes_total":1}' }),
      /count/,
    ],
    [
      "resp_aggregates member of the wrong type",
      line({ version: "7", resp_aggregates: '{"count":1,"resp_bytes_total":2,"unique_dst_ports":1.5}' }),
      /resp_aggregates\.unique_dst_ports/,
    ],
    ["host member of the wrong type", line({ version: "7", host: '{"rss_delta":"big"}' }), /host\.rss_delta/],
    [
      "host duplicate member",
      line({ version: "7", host: '{"cpu_max":1,"cpu_max":2}' }),
      /duplicate field `cpu_max`/,
    ],
    ["trailing characters", `${line()} x`, /trailing characters/],
    ["trailing comma", line({ dst_ports: "[8080,]" }), /trailing comma/],
  ];
  for (const [what, text, re] of bad) {
    assert.throws(() => parseSnapshotLine(text, "f", 1), re, what);
  }
});

test("a bad line is fatal with file:line; blank lines count, CRLF and Unicode spaces are trimmed", () => {
  const text = `\n${line()}\r\n  \u00a0\n${line({ ts_unix_sec: "1060" })}\n{"not":"a snapshot"}\n`;
  assert.throws(
    () => parseSnapshotText(text, "dir/a.jsonl"),
    (err: unknown) => {
      assert.ok(err instanceof SnapshotLoadError);
      assert.match(err.message, /^dir\/a\.jsonl:5: /);
      return true;
    },
  );
  assert.equal(parseSnapshotText(text.split("\n").slice(0, 4).join("\n"), "a").length, 2);
  // Rust's trim keeps a BOM (JS trim would strip it), so a BOM-prefixed line fails there and here.
  assert.equal(rustTrim("\ufeff x \u0085"), "\ufeff x");
  assert.throws(() => parseSnapshotText(`\ufeff${line()}`, "bom.jsonl"), /bom\.jsonl:1/);
});

test("loads *.jsonl of a directory (and a fixture's snapshots/), stably sorted by ts", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nr-ibsr-load-"));
  try {
    const snaps = join(dir, "snapshots");
    mkdirSync(snaps);
    writeFileSync(join(snaps, "b.jsonl"), `${line({ ts_unix_sec: "1120", run_id: "2" })}\n`);
    writeFileSync(
      join(snaps, "a.jsonl"),
      `${line({ ts_unix_sec: "1120", run_id: "1" })}\n${line({ ts_unix_sec: "1000" })}\n`,
    );
    writeFileSync(join(snaps, "c.jsonl.gz"), "not read");
    writeFileSync(join(snaps, "notes.txt"), "not read");
    const loaded = await loadSnapshots([dir]);
    assert.deepEqual(
      loaded.map((s) => [s.tsUnixSec, s.runId]),
      [
        [1000n, 1000n],
        [1120n, 1n],
        [1120n, 2n],
      ],
    );
    writeFileSync(join(snaps, "status.jsonl"), '{"ts_unix_sec":1,"cycle":3}\n');
    await assert.rejects(loadSnapshots([snaps]), /status\.jsonl:1: .*missing field/);
    await assert.rejects(loadSnapshots([join(dir, "nope")]), /cannot be read: ENOENT/);
    const empty = join(dir, "empty");
    mkdirSync(empty);
    await assert.rejects(loadSnapshots([empty]), /no snapshots found/);
    writeFileSync(join(empty, "bad.jsonl"), Buffer.from([0x7b, 0xff, 0x7d, 0x0a]));
    await assert.rejects(loadSnapshots([empty]), /valid UTF-8/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
