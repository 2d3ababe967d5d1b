// The WebAssembly template reader against the scanner's own bucket reader: the same buckets written in the
// collector's layout (which the template reads) and with a space before each (which only the general reader
// takes) must give the same answer and the same columns, and an accepted line what JSON.parse reads.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, test } from "node:test";
import { TEMPLATE_AVAILABLE, TEMPLATE_ENV } from "./jsonl-buckets.js";
import { FastLine, readFastLine } from "./jsonl-line.js";

const COUNTERS = ["syn", "ack", "handshake_ack", "rst", "packets", "bytes"] as const;

/** A small deterministic generator (the failures must be reproducible). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// Number texts: plain ones of every length up to 16 digits, and the ones the reader must refuse.
const NUMBERS = [
  "0",
  "7",
  "42",
  "65535",
  "65536",
  "1234567",
  "12345678",
  "123456789",
  "4294967295",
  "4294967296",
  "9007199254740991",
  "9007199254740992",
  "9999999999999999",
  "12345678901234567",
  "00",
  "01",
  "0012",
  "1e3",
  "1E3",
  "1.5",
  "1.0",
  "-1",
  "+1",
  "1-",
  '"5"',
  "null",
  "true",
  " 5",
  "5 ",
  "",
];
const ADDRESSES = [
  "10.0.0.1",
  "0.0.0.0",
  "255.255.255.255",
  "100.10.200.9",
  "1.22.133.4",
  "256.0.0.1",
  "01.0.0.1",
  "1.0.0.00",
  "1.2.3",
  "1.2.3.4.5",
  "1..2.3",
  "1.2.3.4 ",
  "1234.1.1.1",
  "1.2.3.-4",
  "a.b.c.d",
  "1\\u002e2.3.4",
];
const KINDS = ["src_ip", "src_cidr24", "src_ipx", "src_\\u0069p", "dst_ip", ""];

function pick<T>(r: () => number, xs: readonly T[], plainShare: number, plain: number): T {
  return r() < plainShare ? xs[Math.floor(r() * plain)]! : xs[Math.floor(r() * xs.length)]!;
}

/** One bucket in the collector's member order (no spaces); now and then with one odd value. */
function bucketText(r: () => number): string {
  const kind = pick(r, KINDS, 0.97, 2);
  const addr = pick(r, ADDRESSES, 0.97, 5);
  const port = pick(r, NUMBERS, 0.97, 4);
  const counters = COUNTERS.map((c) => `,"${c}":${pick(r, NUMBERS, 0.98, 11)}`).join("");
  const text = `{"key_type":"${kind}","src_ip":"${addr}","dst_port":${port}${counters}}`;
  if (r() > 0.1) return text;
  // One byte anywhere replaced (a member name's last letter, a quote, a colon...).
  const at = Math.floor(r() * text.length);
  return text.slice(0, at) + 'xz_:,"{}0 '[Math.floor(r() * 10)] + text.slice(at + 1);
}

function lineOf(buckets: readonly string[], sep: string): string {
  return `{"version":5,"ts_unix_sec":60,"run_id":1,"buckets":[${sep}${buckets.join(`,${sep}`)}]}`;
}

function read(text: string): { ok: boolean; f: FastLine } {
  const f = new FastLine();
  const b = Buffer.from(text);
  return { ok: readFastLine(b, 0, b.length, f), f };
}

function columns(f: FastLine): unknown {
  return {
    n: f.n,
    ip: [...f.ip.subarray(0, f.n)],
    port: [...f.port.subarray(0, f.n)],
    cidr: [...f.cidr.subarray(0, f.n)],
    counters: [...f.counters.subarray(0, f.n * 6)],
  };
}

/** What JSON.parse reads of an accepted line, in the scanner's columns. */
function expected(text: string): unknown {
  const buckets = (JSON.parse(text) as { buckets: Record<string, unknown>[] }).buckets;
  return {
    n: buckets.length,
    ip: buckets.map((b) => (b.src_ip as string).split(".").reduce((v, o) => v * 256 + Number(o), 0)),
    port: buckets.map((b) => b.dst_port ?? -1),
    cidr: buckets.map((b) => (b.key_type === "src_cidr24" ? 1 : 0)),
    counters: buckets.flatMap((b) => COUNTERS.map((c) => b[c])),
  };
}

describe("the WebAssembly bucket template", () => {
  test("is in use (without WebAssembly, as under --jitless, the tests below would compare the scanner with itself)", () => {
    assert.equal(TEMPLATE_AVAILABLE, true);
  });

  test(`${TEMPLATE_ENV}=0 turns it off, and only "0" does`, () => {
    const probe = (value: string) =>
      execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "--input-type=module",
          "-e",
          `import { TEMPLATE_AVAILABLE } from ${JSON.stringify(new URL("./jsonl-buckets.ts", import.meta.url).pathname)}; process.stdout.write(String(TEMPLATE_AVAILABLE));`,
        ],
        { encoding: "utf8", env: { ...process.env, [TEMPLATE_ENV]: value } },
      );
    assert.equal(probe("0"), "false");
    assert.equal(probe("1"), "true");
    assert.equal(probe(""), "true");
  });

  test("reads every bucket as the general reader does, and refuses what it refuses", () => {
    const r = rng(15);
    let accepted = 0;
    let refused = 0;
    for (let t = 0; t < 3000; t++) {
      const buckets = Array.from({ length: 1 + Math.floor(r() * 4) }, () => bucketText(r));
      const compact = lineOf(buckets, "");
      const spaced = lineOf(buckets, " ");
      const a = read(compact);
      const b = read(spaced);
      assert.equal(a.ok, b.ok, compact);
      if (!a.ok) {
        refused++;
        continue;
      }
      accepted++;
      assert.deepEqual(columns(a.f), columns(b.f), compact);
      assert.deepEqual(columns(a.f), expected(compact), compact);
    }
    // Both kinds of line must have been tried in numbers.
    assert.ok(accepted > 500 && refused > 500, `${accepted} accepted, ${refused} refused`);
  });

  test("buckets in the layout mixed with others: each read by the reader it fits", () => {
    const plain =
      '{"key_type":"src_ip","src_ip":"10.0.0.1","dst_port":80,"syn":1,"ack":2,"handshake_ack":3,"rst":4,"packets":5,"bytes":6}';
    const reordered =
      '{"src_ip":"10.0.0.2","key_type":"src_cidr24","syn":7,"ack":8,"handshake_ack":9,"rst":10,"packets":11,"bytes":12}';
    const text = lineOf([plain, reordered, plain, plain, reordered], "").replace("},{", "} ,{");
    const a = read(text);
    assert.equal(a.ok, true);
    assert.deepEqual(columns(a.f), {
      n: 5,
      ip: [167772161, 167772162, 167772161, 167772161, 167772162],
      port: [80, -1, 80, 80, -1],
      cidr: [0, 1, 0, 0, 1],
      counters: [
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
      ],
    });
  });

  test("a duplicate member, an escape or a space inside a bucket sends it to the general reader", () => {
    const base =
      '{"key_type":"src_ip","src_ip":"10.0.0.1","dst_port":80,"syn":1,"ack":2,"handshake_ack":3,"rst":4,"packets":5,"bytes":6}';
    for (const [what, bucket, ok] of [
      ["a duplicate counter", base.replace('"bytes":6', '"bytes":6,"bytes":7'), false],
      ["an escaped name", base.replace('"syn"', '"\\u0073yn"'), false],
      ["a space after a colon", base.replace('"syn":1', '"syn": 1'), true],
      ["a space before a brace", base.replace("6}", "6 }"), true],
    ] as const) {
      const a = read(lineOf([base, bucket, base], ""));
      assert.equal(a.ok, ok, what);
      if (ok) assert.deepEqual(columns(a.f), expected(lineOf([base, bucket, base], "")), what);
    }
  });

  test("more buckets than a batch, and every prefix of a line refused", () => {
    const r = rng(7);
    const many = Array.from(
      { length: 40_000 },
      (_, i) =>
        `{"key_type":"src_ip","src_ip":"10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}","dst_port":${i % 65536},"syn":${i},"ack":${Math.floor(r() * 1e9)},"handshake_ack":0,"rst":1,"packets":${i * 1000},"bytes":${2 ** 53 - 1 - i}}`,
    );
    const text = lineOf(many, "");
    const a = read(text);
    assert.equal(a.ok, true);
    assert.deepEqual(columns(a.f), expected(text));
    // A bucket with 5 MB of padding (read by the general reader) between buckets in the layout.
    const padded = many.slice(0, 3);
    padded.splice(1, 0, `${many[3]!.slice(0, -1)},"pad":"${"x".repeat(5 * 2 ** 20)}"}`);
    const p = read(lineOf(padded, ""));
    assert.equal(p.ok, true);
    assert.deepEqual(columns(p.f), expected(lineOf(padded, "")));
    const short = lineOf(many.slice(0, 2), "");
    for (let end = 0; end < short.length; end++)
      assert.equal(read(short.slice(0, end)).ok, false, short.slice(0, end));
  });
});
