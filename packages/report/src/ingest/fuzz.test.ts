// Fuzz (issue 11, "done when"): randomly truncated, byte-flipped, type-mutated and value-mutated Parquet files and
// broken JSONL lines beside good snapshots. The report always completes, names every file it did not use, and
// its totals are those of the good data alone. Seeded, bounded, a few seconds per seed.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { mulberry32 } from "@ibsr/contract/testing";
import { rewriteParquet } from "../testing/mutate-parquet.js";
import { reportOn } from "../testing/run-report.js";
import { type RunSpec, steady, writeJsonlRun, writeParquetRun } from "../testing/snapshots.js";

const BASE = 1_700_000_000;
const root = mkdtempSync(join(tmpdir(), "ibsr-ingest-fuzz-"));
after(() => rmSync(root, { recursive: true, force: true }));

function spec(host: string, runId: string, keys: number, snapshots: number): RunSpec {
  return {
    host,
    runId,
    baseTs: BASE,
    intervalSec: 60,
    snapshots: steady(BASE, 60, snapshots, (i) =>
      Array.from({ length: keys }, (_, j) => ({
        src: `198.18.${i % 7}.${j + 1}`,
        port: 80 + (j % 3),
        syn: 5 + j,
        handshake_ack: 5,
        ack: 40,
        packets: 100 + i * 3 + j,
        bytes: 9_000 + j,
      })),
    ),
  };
}

const flip = (b: Buffer, at: number, mask: number) => b.writeUInt8(b.readUInt8(at) ^ mask, at);

const packetsOf = (s: RunSpec) =>
  s.snapshots.reduce((a, x) => a + x.traffic.reduce((b, t) => b + BigInt(t.packets ?? 0), 0n), 0n);

/** Column mutations that make a file unusable as a snapshot (wrong type, missing column). */
const TYPE_MUTATIONS = [
  (c: string) => `* REPLACE (${c}::VARCHAR AS ${c})`,
  (c: string) => `* REPLACE (TRY_CAST(${c}::VARCHAR AS DOUBLE) AS ${c})`,
  (c: string) => `* REPLACE (TRY_CAST(${c}::VARCHAR AS INTEGER) AS ${c})`,
  (c: string) => `* EXCLUDE (${c})`,
];
const TYPE_COLUMNS = ["family", "src", "prefix_len", "dst_port", "syn_delta", "packets_delta", "bytes_delta"];
/** Value mutations that break the row rule in every row. */
const VALUE_MUTATIONS = [
  "* REPLACE (9::TINYINT AS family)",
  "* REPLACE (0::SMALLINT AS prefix_len)",
  "* REPLACE (70000 AS dst_port)",
  "* REPLACE (-packets_delta - 1 AS packets_delta)",
  "* REPLACE (9223372036854775807::BIGINT AS bytes_delta)",
  "* REPLACE (NULL::BLOB AS src)",
  "* REPLACE (from_hex('01') AS src)",
];

const JSONL_MEMBERS = ["syn", "packets", "bytes", "dst_port"];
/**
 * Values no bucket may be counted with: negative, above u64, above 2^53-1, beyond a port. (Not here: a null or
 * missing dst_port is "any port" by design; DuckDB's reader casts "12", 1.5 and true to numbers.)
 */
const JSONL_VALUES = ["-5", "18446744073709551616", "9007199254740992", "18446744073709551615", "70000"];

async function fuzzOnce(seed: number): Promise<void> {
  const rnd = mulberry32(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const d = join(root, `seed-${seed}`);
  // Good data: one Parquet run and one JSONL run (reference format, its own host folder).
  const good = spec("host-a", "run1", 20, 8);
  const goodFiles = writeParquetRun(d, good);
  const jGood = spec("host-j", "1", 6, 6);
  const jPath = writeJsonlRun(join(d, "host=host-j"), jGood);
  const fuzz: string[] = [];
  const fz = join(d, "zz-fuzz");
  mkdirSync(fz, { recursive: true });

  // Byte-level corruption of copies of good files (a copy that still reads is a duplicate snapshot: sorted
  // after the original by path, it is skipped as such).
  for (let i = 0; i < 16; i++) {
    const src = readFileSync(goodFiles[int(goodFiles.length)]!);
    let b: Buffer;
    const kind = int(4);
    if (kind === 0) b = src.subarray(0, int(src.length - 1));
    else if (kind === 1) {
      b = Buffer.from(src);
      for (let k = 0, m = 1 + int(8); k < m; k++) flip(b, 4 + int(b.length - 12), 1 + int(255));
    } else if (kind === 2) {
      // The footer and its length/magic (the last bytes).
      b = Buffer.from(src);
      flip(b, b.length - 1 - int(Math.min(64, b.length)), 1 + int(255));
    } else b = Buffer.concat([src.subarray(0, int(src.length)), Buffer.from([int(256), int(256)])]);
    const f = join(fz, `bytes-${i}.parquet`);
    writeFileSync(f, b);
    fuzz.push(f);
  }
  // Type mutations: copies with a column of another type or missing.
  for (let i = 0; i < 6; i++) {
    const f = join(fz, `type-${i}.parquet`);
    writeFileSync(f, readFileSync(goodFiles[int(goodFiles.length)]!));
    await rewriteParquet(
      f,
      TYPE_MUTATIONS[int(TYPE_MUTATIONS.length)]!(TYPE_COLUMNS[int(TYPE_COLUMNS.length)]!),
    );
    fuzz.push(f);
  }
  // Value mutations: a run of its own (host-v) whose every row breaks the row rule.
  const vFiles = writeParquetRun(join(root, `v-${seed}`), spec("host-v", "rv", 5, 4));
  for (const [i, vf] of vFiles.entries()) {
    const f = join(fz, `value-${i}.parquet`);
    writeFileSync(f, readFileSync(vf));
    await rewriteParquet(f, VALUE_MUTATIONS[int(VALUE_MUTATIONS.length)]!);
    fuzz.push(f);
  }
  // Data pages flipped in a run of its own (host-p, every row invalid even if it still reads): the footer is
  // intact, so only the scan meets the damage.
  const pFiles = writeParquetRun(join(root, `p-${seed}`), spec("host-p", "rp", 5, 4));
  for (const [i, pf] of pFiles.entries()) {
    const f = join(fz, `page-${i}.parquet`);
    writeFileSync(f, readFileSync(pf));
    await rewriteParquet(f, VALUE_MUTATIONS[int(VALUE_MUTATIONS.length)]!);
    const b = readFileSync(f);
    const footer = b.readUInt32LE(b.length - 8);
    for (let k = 0, m = 1 + int(4); k < m; k++) flip(b, 4 + int(b.length - 12 - footer), 1 + int(255));
    writeFileSync(f, b);
    fuzz.push(f);
  }
  // Broken JSONL lines in a file of their own beside the good JSONL (truncated good lines, random bytes).
  const jLines = readFileSync(jPath, "utf8").split("\n").filter(Boolean);
  const broken: string[] = [];
  for (let i = 0; i < 6; i++) {
    const l = jLines[int(jLines.length)]!;
    broken.push(
      int(2) === 0
        ? l.slice(0, 1 + int(l.length - 2))
        : `{${Array.from({ length: 1 + int(40) }, () => String.fromCharCode(32 + int(95))).join("")}`,
    );
  }
  const jBad = join(fz, "broken.jsonl");
  writeFileSync(jBad, `${broken.join("\n")}\n`);
  fuzz.push(jBad);
  // Type- and value-mutated JSONL lines: one member mutated in every bucket of a good line, so whatever the
  // reader does with it (reject the line, or skip each bucket), none of it may count.
  const mutated: string[] = [];
  for (let i = 0; i < 6; i++) {
    const member = JSONL_MEMBERS[int(JSONL_MEMBERS.length)]!;
    let value = JSONL_VALUES[int(JSONL_VALUES.length)]!;
    if (value === "70000" && member !== "dst_port") value = "-1";
    mutated.push(
      jLines[int(jLines.length)]!.replace(new RegExp(`"${member}":[0-9]+`, "g"), `"${member}":${value}`),
    );
  }
  const jMut = join(fz, "mutated.jsonl");
  writeFileSync(jMut, `${mutated.join("\n")}\n`);
  fuzz.push(jMut);

  const r = await reportOn(d);
  const named = new Set(r.skipped.map((s) => s.file));
  const unnamed = fuzz.filter((f) => !named.has(f));
  assert.deepEqual(unnamed, [], `seed ${seed}: every fuzzed file is named as skipped`);
  for (const f of [...goodFiles, jPath]) assert.ok(!named.has(f), `seed ${seed}: good file ${f} was skipped`);
  assert.equal(r.model.impact.total.packets, packetsOf(good) + packetsOf(jGood), `seed ${seed}: totals`);
}

describe("fuzz: corrupted and mutated snapshots beside good ones", () => {
  for (const seed of [1, 2, 3, 4])
    test(`seed ${seed}: the report completes, names every skipped file, totals the good data only`, async () => {
      await fuzzOnce(seed);
    });
});
