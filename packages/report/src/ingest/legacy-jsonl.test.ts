import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { formatPrefix } from "@ibsr/contract";
import {
  isStatusFileName,
  type LegacyBucket,
  type LegacyRecord,
  type LegacySnapshot,
  parseLegacyLine,
  readLegacySnapshots,
} from "./legacy-jsonl.js";

// One hand-written line per schema version, as the reference collector wrote them.
const V3 =
  '{"version":3,"ts_unix_sec":1000,"dst_ports":[8080],"buckets":[{"key_type":"src_ip","key_value":3232235777,' +
  '"dst_port":8080,"syn":5,"ack":1,"handshake_ack":1,"rst":0,"packets":7,"bytes":420}]}';
const V4 =
  '{"version":4,"aggregation":"src_ip","ts_unix_sec":1060,"dst_ports":[443,8080],"buckets":[' +
  '{"key_type":"src_ip","src_ip":"10.0.0.1","dst_port":443,"syn":1,"ack":2,"handshake_ack":3,"rst":4,"packets":5,"bytes":6},' +
  '{"key_type":"src_ip","src_ip":"10.0.0.2","syn":9,"ack":0,"handshake_ack":0,"rst":0,"packets":9,"bytes":540}]}';
const V5 =
  '{"version":5,"aggregation":"src_ip","ts_unix_sec":1120,"interval_sec":60,"run_id":1000,"counter_mode":"cumulative",' +
  '"base_ts_unix_sec":1000,"dst_ports":[8080],"buckets":[{"key_type":"src_ip","src_ip":"10.0.0.1","dst_port":8080,' +
  '"syn":5000,"ack":50,"handshake_ack":10,"rst":0,"packets":5050,"bytes":505000}]}';
const V6 =
  '{"version":6,"aggregation":"src_ip","ts_unix_sec":1180,"interval_sec":60,"run_id":1000,"counter_mode":"cumulative",' +
  '"base_ts_unix_sec":1000,"dst_ports":[8080],"buckets":[],"resp_aggregates":{"count":3,"resp_bytes_total":900,' +
  '"amp_ratio_mean":1.5}}';
const V7 =
  '{"version":7,"aggregation":"src_cidr24","ts_unix_sec":1240,"interval_sec":60,"run_id":1000,"counter_mode":"cumulative",' +
  '"base_ts_unix_sec":1000,"dst_ports":[8080],"host":{"cpu_mean":0.5,"rss_max":1000},"future_top_level":true,' +
  '"buckets":[{"key_type":"src_cidr24","src_ip":"198.18.7.99","dst_port":8080,"syn":1,"ack":1,"handshake_ack":1,' +
  '"rst":0,"packets":2,"bytes":120,"future_bucket_field":"ignored"}]}';

function snap(r: LegacyRecord): LegacySnapshot {
  assert.equal(r.kind, "snapshot", r.kind === "skip" ? r.reason : r.kind);
  return (r as Extract<LegacyRecord, { kind: "snapshot" }>).snapshot;
}

function bucketText(b: LegacyBucket): string {
  return `${formatPrefix({ family: b.family, bytes: b.addr, prefixLen: b.prefixLen })}:${b.dstPort ?? "any"} ${b.syn}/${b.ack}/${b.handshake_ack}/${b.rst}/${b.packets}/${b.bytes}`;
}

describe("parseLegacyLine: one line per version", () => {
  test("v3: numeric key_value, no v5 fields", () => {
    const s = snap(parseLegacyLine(V3, "a.jsonl", 1));
    assert.deepEqual(
      { ...s, buckets: s.buckets.map(bucketText) },
      {
        version: 3,
        ts: 1000,
        runId: null,
        intervalSec: null,
        baseTs: null,
        dstPorts: [8080],
        buckets: ["192.168.1.1:8080 5/1/1/0/7/420"],
      },
    );
    assert.equal(s.buckets[0]!.keyType, "src_ip");
    assert.equal(s.buckets[0]!.family, 4);
    assert.equal(s.buckets[0]!.addr.length, 16);
  });

  test("v4: src_ip string; a bucket without dst_port means any port", () => {
    const s = snap(parseLegacyLine(V4, "a.jsonl", 2));
    assert.equal(s.version, 4);
    assert.deepEqual(s.dstPorts, [443, 8080]);
    assert.deepEqual(s.buckets.map(bucketText), ["10.0.0.1:443 1/2/3/4/5/6", "10.0.0.2:any 9/0/0/0/9/540"]);
    assert.equal(s.runId, null);
  });

  test("v5: interval, run and base time", () => {
    const s = snap(parseLegacyLine(V5, "a.jsonl", 3));
    assert.deepEqual([s.version, s.ts, s.runId, s.intervalSec, s.baseTs], [5, 1120, "1000", 60, 1000]);
    assert.deepEqual(s.buckets.map(bucketText), ["10.0.0.1:8080 5000/50/10/0/5050/505000"]);
  });

  test("v6: resp_aggregates ignored, empty buckets kept", () => {
    const s = snap(parseLegacyLine(V6, "a.jsonl", 4));
    assert.equal(s.version, 6);
    assert.deepEqual(s.buckets, []);
    assert.ok(!("resp_aggregates" in s));
  });

  test("v7: host telemetry and unknown fields ignored; src_cidr24 is a /24", () => {
    const s = snap(parseLegacyLine(V7, "a.jsonl", 5));
    assert.equal(s.version, 7);
    assert.deepEqual(s.buckets.map(bucketText), ["198.18.7.0/24:8080 1/1/1/0/2/120"]);
    assert.equal(s.buckets[0]!.keyType, "src_cidr24");
    assert.ok(!("future_bucket_field" in s.buckets[0]!));
  });
});

describe("parseLegacyLine: malformed lines are skips with a reason", () => {
  const base = JSON.parse(V5) as Record<string, unknown>;
  const bucket = (base.buckets as Record<string, unknown>[])[0]!;
  const withTop = (patch: Record<string, unknown>) => JSON.stringify({ ...base, ...patch });
  const withBucket = (patch: Record<string, unknown>) =>
    JSON.stringify({ ...base, buckets: [bucket, { ...bucket, ...patch }] });
  const cases: [string, string, RegExp][] = [
    ["truncated JSON", V5.slice(0, 80), /^invalid JSON \(/],
    ["empty object line", "{}", /^missing version$/],
    ["not an object", "[1,2,3]", /^not a JSON object \(found an array\)$/],
    ["a bare number", "42", /^not a JSON object \(found a number\)$/],
    [
      "unknown version 8",
      withTop({ version: 8 }),
      /^unsupported schema version 8 \(this reader accepts 3-7\)$/,
    ],
    ["version 2", withTop({ version: 2 }), /^unsupported schema version 2/],
    [
      "version as text",
      withTop({ version: "5" }),
      /^version is a string "5" \(expected a non-negative integer\)$/,
    ],
    ["ts as text", withTop({ ts_unix_sec: "1120" }), /^ts_unix_sec is a string "1120"/],
    ["missing ts", withTop({ ts_unix_sec: undefined }), /^missing ts_unix_sec$/],
    ["buckets as object", withTop({ buckets: {} }), /^buckets is an object \(expected an array\)$/],
    ["dst_ports as number", withTop({ dst_ports: 8080 }), /^dst_ports is a number/],
    [
      "port out of range",
      withTop({ dst_ports: [70000] }),
      /^dst_ports\[0\] is 70000 \(expected a port 0-65535\)$/,
    ],
    ["interval as text", withTop({ interval_sec: "60" }), /^interval_sec is a string "60"/],
    ["run_id negative", withTop({ run_id: -1 }), /^run_id is -1/],
    ["bucket not object", withTop({ buckets: [1] }), /^bucket 0: not an object \(found a number\)$/],
    [
      "negative counter",
      withBucket({ syn: -5 }),
      /^bucket 1: syn is -5 \(expected a non-negative integer\)$/,
    ],
    ["fractional counter", withBucket({ ack: 1.5 }), /^bucket 1: ack is 1\.5 /],
    ["counter as text", withBucket({ packets: "7" }), /^bucket 1: packets is a string "7"/],
    ["missing counter", withBucket({ rst: undefined }), /^bucket 1: missing rst$/],
    ["null counter", withBucket({ bytes: null }), /^bucket 1: bytes is null/],
    [
      "leading-zero address",
      withBucket({ src_ip: "010.0.0.1" }),
      /^bucket 1: src_ip: invalid address "010\.0\.0\.1": octet 1 "010" has a leading zero/,
    ],
    [
      "short address",
      withBucket({ src_ip: "10.0.0" }),
      /^bucket 1: src_ip: invalid address "10\.0\.0": 3 dotted parts/,
    ],
    ["IPv6 address", withBucket({ src_ip: "::1" }), /^bucket 1: src_ip "::1" is not IPv4$/],
    ["address as number", withBucket({ src_ip: 167772161 }), /^bucket 1: src_ip is a number/],
    ["missing address", withBucket({ src_ip: undefined }), /^bucket 1: missing src_ip$/],
    ["bad key_type", withBucket({ key_type: "dst_ip" }), /^bucket 1: key_type "dst_ip"/],
    [
      "bad dst_port",
      withBucket({ dst_port: 65536 }),
      /^bucket 1: dst_port is 65536 \(expected a port 0-65535\)$/,
    ],
    [
      "v3 key_value too large",
      V3.replace("3232235777", "4294967296"),
      /^bucket 0: key_value 4294967296 \(expected an IPv4/,
    ],
  ];
  for (const [name, line, reason] of cases) {
    test(name, () => {
      const r = parseLegacyLine(line, "dir/snapshot_2026010100.jsonl", 17);
      assert.equal(r.kind, "skip", `${name} was not skipped`);
      assert.equal(r.file, "dir/snapshot_2026010100.jsonl");
      assert.equal(r.line, 17);
      assert.match((r as { reason: string }).reason, reason);
    });
  }

  // JSON.parse already rounded a value beyond 2^53 - 1; the line is skipped rather than summed wrong.
  test("counters beyond 2^53 are skipped deliberately", () => {
    const line = V5.replace('"bytes":505000', '"bytes":9007199254740993');
    const r = parseLegacyLine(line, "f", 1);
    assert.equal(r.kind, "skip");
    assert.match((r as { reason: string }).reason, /^bucket 0: bytes is 9007199254740992, beyond 2\^53-1/);
    // 2^53 - 1 itself is exact and accepted.
    const ok = snap(parseLegacyLine(V5.replace('"bytes":505000', '"bytes":9007199254740991'), "f", 1));
    assert.equal(ok.buckets[0]!.bytes, Number.MAX_SAFE_INTEGER);
  });

  test("a run_id beyond 2^53 keeps its exact digits", () => {
    const s = snap(parseLegacyLine(V5.replace('"run_id":1000', '"run_id":18446744073709551615'), "f", 1));
    assert.equal(s.runId, "18446744073709551615");
  });

  test("dst_port null is read as any port (lenient where the reference rejects)", () => {
    const s = snap(parseLegacyLine(withBucket({ dst_port: null }), "f", 1));
    assert.equal(s.buckets[1]!.dstPort, null);
  });
});

describe("status lines", () => {
  test("heartbeats are recognised, in status.jsonl or by shape", () => {
    const hb = '{"timestamp":1060,"cycle":1,"ips_collected":3,"snapshots_written":1}';
    assert.deepEqual(parseLegacyLine(hb, "run/snapshot_2026010100.jsonl", 9), {
      kind: "status",
      file: "run/snapshot_2026010100.jsonl",
      line: 9,
    });
    assert.equal(parseLegacyLine('{"time":"x","fill":0.1}', "run/status.jsonl", 1, true).kind, "status");
    assert.equal(parseLegacyLine('{"time":"x","fill":0.1}', "run/other.jsonl", 1).kind, "skip");
    assert.ok(isStatusFileName("/a/b/status.jsonl"));
    assert.ok(isStatusFileName("status.jsonl.1.gz"));
    assert.ok(!isStatusFileName("snapshot_2026010100.jsonl"));
  });
});

describe("readLegacySnapshots (files)", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "ibsr-legacy-"));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function collect(path: string): Promise<LegacyRecord[]> {
    const out: LegacyRecord[] = [];
    for await (const r of readLegacySnapshots(path)) out.push(r);
    return out;
  }
  const summary = (rs: LegacyRecord[]) =>
    rs.map((r) => `${r.line}:${r.kind === "snapshot" ? `v${r.snapshot.version}` : r.kind}`);

  const mixed = [
    `\ufeff${V3}`,
    V4,
    "",
    "{not json",
    V5,
    '{"timestamp":1,"cycle":1}',
    V6,
    V7.slice(0, 50),
    V7,
  ].join("\r\n");

  test("plain file: every line in order, with line numbers; BOM and CRLF tolerated", async () => {
    const path = join(dir, "snapshot_2026010100.jsonl");
    writeFileSync(path, `${mixed}\n`);
    const rs = await collect(path);
    assert.deepEqual(summary(rs), ["1:v3", "2:v4", "4:skip", "5:v5", "6:status", "7:v6", "8:skip", "9:v7"]);
    for (const r of rs) assert.equal(r.file, path);
  });

  test("gzip detected by magic bytes, with or without .gz", async () => {
    const gz = gzipSync(Buffer.from(mixed));
    for (const name of ["archive.jsonl.gz", "misnamed.jsonl"]) {
      const path = join(dir, name);
      writeFileSync(path, gz);
      assert.deepEqual(summary(await collect(path)), [
        "1:v3",
        "2:v4",
        "4:skip",
        "5:v5",
        "6:status",
        "7:v6",
        "8:skip",
        "9:v7",
      ]);
    }
    // Concatenated gzip members (what `cat a.gz b.gz` gives) read as one stream.
    const path = join(dir, "two-members.jsonl.gz");
    writeFileSync(path, Buffer.concat([gzipSync(`${V3}\n`), gzipSync(`${V5}\n`)]));
    assert.deepEqual(summary(await collect(path)), ["1:v3", "2:v5"]);
  });

  test("a truncated gzip keeps the lines before the damage and reports it", async () => {
    const lines = Array.from({ length: 2000 }, () => V5).join("\n");
    const gz = gzipSync(Buffer.from(lines));
    const path = join(dir, "truncated.jsonl.gz");
    writeFileSync(path, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const rs = await collect(path);
    const last = rs.at(-1)!;
    assert.equal(last.kind, "skip");
    assert.match(
      (last as { reason: string }).reason,
      /^gzip stream failed after line \d+: .*unexpected end of file/i,
    );
    assert.ok(rs.length > 10 && rs.length < 2001, `${rs.length} records`);
    assert.ok(rs.slice(0, -2).every((r) => r.kind === "snapshot"));
  });

  test("a missing file is one skip for the file itself, not a throw", async () => {
    const path = join(dir, "nope.jsonl");
    const rs = await collect(path);
    assert.equal(rs.length, 1);
    assert.deepEqual(
      { ...rs[0], reason: undefined },
      { kind: "skip", file: path, line: 0, reason: undefined },
    );
    assert.match((rs[0] as { reason: string }).reason, /^cannot read file: ENOENT/);
  });

  test("status.jsonl lines are all status records", async () => {
    const path = join(dir, "status.jsonl");
    writeFileSync(path, '{"timestamp":1,"cycle":1}\n{"time":"2026-01-01T00:00:00Z","fill":0.5}\n');
    assert.deepEqual(summary(await collect(path)), ["1:status", "2:status"]);
  });

  test("a 20 MB line parses (and a truncated 20 MB line is a skip)", async () => {
    const n = 150_000;
    const buckets: string[] = [];
    for (let i = 0; i < n; i++) {
      buckets.push(
        `{"key_type":"src_ip","src_ip":"10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}","dst_port":443,` +
          `"syn":${i},"ack":1,"handshake_ack":1,"rst":0,"packets":${i + 2},"bytes":${i * 60 + 120}}`,
      );
    }
    const big = `{"version":5,"aggregation":"src_ip","ts_unix_sec":2000,"interval_sec":60,"run_id":7,"counter_mode":"cumulative","base_ts_unix_sec":1940,"dst_ports":[443],"buckets":[${buckets.join(",")}]}`;
    assert.ok(big.length > 20_000_000, `line is ${big.length} bytes`);
    const path = join(dir, "big.jsonl");
    writeFileSync(path, `${big}\n${big.slice(0, big.length - 1000)}\n${V3}\n`);
    const rs = await collect(path);
    assert.deepEqual(summary(rs), ["1:v5", "2:skip", "3:v3"]);
    const s = snap(rs[0]!);
    assert.equal(s.buckets.length, n);
    const i = n - 1; // 149 999 = 0x0249ef
    assert.equal(bucketText(s.buckets[i]!), `10.2.73.239:443 ${i}/1/1/0/${i + 2}/${i * 60 + 120}`);
    assert.match((rs[1] as { reason: string }).reason, /^invalid JSON/);
  });

  test("a file of many lines streams through", async () => {
    const path = join(dir, "many.jsonl.gz");
    const count = 20_000;
    writeFileSync(
      path,
      gzipSync(
        Buffer.from(`${Array.from({ length: count }, (_, i) => V4.replace("1060", String(i))).join("\n")}\n`),
      ),
    );
    let seen = 0;
    let lastTs = -1;
    for await (const r of readLegacySnapshots(path)) {
      const s = snap(r);
      assert.equal(s.ts, lastTs + 1);
      lastTs = s.ts;
      seen++;
    }
    assert.equal(seen, count);
  });

  test("empty, one-byte and directory paths", async () => {
    const empty = join(dir, "empty.jsonl");
    writeFileSync(empty, "");
    assert.deepEqual(await collect(empty), []);
    const one = join(dir, "one.jsonl");
    writeFileSync(one, "{");
    assert.deepEqual(summary(await collect(one)), ["1:skip"]);
    const sub = join(dir, "sub.jsonl");
    mkdirSync(sub);
    const rs = await collect(sub);
    assert.equal(rs.length, 1);
    assert.match((rs[0] as { reason: string }).reason, /^cannot read file: EISDIR/);
  });

  // Proof of streaming: the first record arrives while the writer still holds the FIFO open, which
  // a reader that waited for the whole file could never do.
  test("lines stream from a FIFO before the writer has finished", { timeout: 10_000 }, async () => {
    const fifo = join(dir, "live.jsonl");
    execFileSync("mkfifo", [fifo]);
    const it = readLegacySnapshots(fifo)[Symbol.asyncIterator]();
    const first = it.next();
    const writer = createWriteStream(fifo);
    writer.write(`${V3}\n`);
    const r1 = await first;
    assert.equal(r1.done, false);
    assert.equal(snap(r1.value as LegacyRecord).version, 3);
    writer.end(`${V5}\n`);
    const r2 = await it.next();
    assert.equal(snap(r2.value as LegacyRecord).version, 5);
    assert.equal((await it.next()).done, true);
  });

  test("an aborted signal stops the iteration", async () => {
    const path = join(dir, "abort.jsonl");
    writeFileSync(path, `${V3}\n${V3}\n${V3}\n`);
    const ac = new AbortController();
    const got: LegacyRecord[] = [];
    for await (const r of readLegacySnapshots(path, { signal: ac.signal })) {
      got.push(r);
      ac.abort();
    }
    assert.equal(got.length, 1);
  });
});
