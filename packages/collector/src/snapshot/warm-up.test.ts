import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { queryObjects } from "node:v8";
import { GLOBAL_SIZE, KEY_SIZE_V4, perCpuSlotSize, type SnapshotMeta, VALUE_SIZE } from "@ibsr/contract";
import type { BatchCursor } from "../libbpf/index.js";
import { CompactValues } from "../maps/compact-values.js";
import { type BatchMap, FlowDrainer } from "../maps/drain.js";
import { decodeGlobal, encodeKey } from "../maps/flow-rows.js";
import { SnapshotBuilder } from "../maps/snapshot-rows.js";
import { decodeSnapshotParquet, readParquetKeyValue } from "../testing/parquet-read.js";
import { DeltaEngine } from "./deltas.js";
import { KeySorter } from "./key-order.js";
import { encodeSnapshotParquetStreamed } from "./parquet.js";
import { startSnapshotEngines, warmSnapshotPath } from "./warm-up.js";

const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const START_TS = 1_750_000_000_000_000n;

/** One IPv4 flow map holding `entries` (key -> counters) in a fixed, unsorted order; one batch call. */
class OneBatchMap implements BatchMap {
  readonly name = "ibsr_flows4";
  readonly keySize = KEY_SIZE_V4;
  constructor(private readonly rows: { key: Uint8Array; value: Uint8Array }[]) {}
  lookupBatch(cursor: BatchCursor, keys: Uint8Array, values: Uint8Array, maxCount: number): number {
    assert.ok(this.rows.length <= maxCount);
    this.rows.forEach((r, i) => {
      keys.set(r.key.subarray(0, this.keySize), i * this.keySize);
      values.set(r.value, i * VALUE_SIZE);
    });
    cursor.done = true;
    return this.rows.length;
  }
}

/** Round `round`'s map: 600 sources, counters growing with the round, one with a counter above 2^32. */
function mapAt(round: number): OneBatchMap {
  const rows = Array.from({ length: 600 }, (_, n) => {
    const i = (n * 7) % 600;
    const addr = new Uint8Array(16);
    addr.set([198, 18, i >> 8, i & 255]);
    const value = new Uint8Array(VALUE_SIZE);
    const dv = new DataView(value.buffer);
    for (let c = 0; c < 8; c++) dv.setBigUint64(8 * c, BigInt((i % 5) * (round + 1) + c), LE);
    if (i === 17) dv.setBigUint64(56, 5n * 2n ** 32n + BigInt(round), LE);
    dv.setBigUint64(64, 3_000_000_000n + BigInt(i), LE);
    return { key: encodeKey(4, 32, 443, addr), value };
  });
  return new OneBatchMap(rows);
}

function meta(seq: number, tsUs: bigint, baseTsUs: bigint): SnapshotMeta {
  return {
    collectorVersion: "test",
    host: "h",
    iface: "eth0",
    runId: "r",
    seq,
    tsUs,
    baseTsUs,
    intervalSec: 60,
    xdpMode: "native",
    mtu: 1500,
    offload: {},
    mapCapacity: 1024,
    liveEntries: 600,
    kernelRelease: "test",
    ports: [443],
    ipv6PrefixLen: 64,
    globals: decodeGlobal(new Uint8Array(perCpuSlotSize(GLOBAL_SIZE)), 1),
    monoOffsetNs: 0n,
  };
}

/** A run's first two snapshots (the run loop's calls, in its order) with these engines. */
async function firstSnapshots(e: {
  drainer: FlowDrainer;
  deltas: DeltaEngine;
  builder: SnapshotBuilder;
}): Promise<Uint8Array[]> {
  const files: Uint8Array[] = [];
  for (let round = 0; round < 2; round++) {
    // The drainer reads the maps it was made with; each round gets its own drainer over that round's map.
    const drainer = round === 0 ? e.drainer : new FlowDrainer([mapAt(round)], 1024);
    const d = drainer.drain();
    const tsUs = START_TS + BigInt(round + 1) * 60_000_000n;
    const res = e.deltas.compute(drainer.rows, d.rows, tsUs);
    const rows = e.builder.build(drainer.rows, d.rows, res);
    files.push(await encodeSnapshotParquetStreamed({ meta: meta(round, tsUs, res.baseTsUs), rows }));
    e.deltas.commit();
    e.builder.release();
    e.deltas.release();
    drainer.release();
  }
  return files;
}

// First in this file: the snapshots without any warm-up in the process.
test("a run's first snapshots are the same with and without the warm-up: data pages byte for byte, same footer", async () => {
  const drainer = new FlowDrainer([mapAt(0)], 1024);
  const without = await firstSnapshots({
    drainer,
    deltas: new DeltaEngine(drainer.limit, START_TS),
    builder: new SnapshotBuilder(drainer.limit),
  });
  const engines = await startSnapshotEngines([mapAt(0)], 1024, 0n);
  assert.equal(engines.warmUp.rounds, 8);
  assert.ok(engines.warmUp.lastRows > 0 && engines.warmUp.lastBytes > 0, "the warm-up encoded a file");
  // As the run command does at attach.
  engines.deltas.reset(START_TS);
  const withWarmUp = await firstSnapshots(engines);
  assert.equal(withWarmUp.length, 2);
  for (const [i, file] of withWarmUp.entries()) {
    const other = without[i]!;
    assert.ok(file.byteLength > 1000);
    // parquet-wasm writes the footer's key/value pairs in hash order, a different order in each call
    // (even for the same snapshot twice without a warm-up): everything before the footer byte for byte,
    // the footer of the same length, and the same pairs.
    assert.equal(file.byteLength, other.byteLength, `snapshot ${i}: size`);
    const body = file.byteLength - 8 - Buffer.from(file).readUInt32LE(file.byteLength - 8);
    assert.deepEqual(
      Buffer.from(file.subarray(0, body)),
      Buffer.from(other.subarray(0, body)),
      `snapshot ${i}`,
    );
    const sorted = (m: Map<string, string>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
    assert.deepEqual(sorted(readParquetKeyValue(file)), sorted(readParquetKeyValue(other)));
    assert.deepEqual(
      decodeSnapshotParquet(file).rows,
      decodeSnapshotParquet(other).rows,
      `snapshot ${i}: rows`,
    );
  }
});

test("every branch of the run's rows is exercised: new, continuing, unchanged, re-inserted, gone", async () => {
  // Two rounds: the second has continuing rows (most changed, every 16th unchanged: left out), re-inserted
  // ones only from the third round on, so the second's snapshot holds fewer rows than entries.
  const two = await warmSnapshotPath({ entries: 1024, rounds: 2, encoded: 2 });
  assert.equal(two.rounds, 2);
  assert.ok(two.lastRows < 1024 && two.lastRows > 900, `rows written in round 2: ${two.lastRows}`);
  await assert.rejects(warmSnapshotPath({ entries: 1000 }), /power of two/);
});

test("the warm-up keeps nothing: its engines, rows and buffers are garbage when it returns", async () => {
  // Live instances of each class the warm-up makes, counted on the heap (queryObjects collects first).
  const count = () =>
    [DeltaEngine, SnapshotBuilder, CompactValues, KeySorter].map((c) => queryObjects(c, { format: "count" }));
  const before = count();
  await warmSnapshotPath({ entries: 4096, rounds: 3, encoded: 2 });
  assert.deepEqual(count(), before);
  // The counts see a kept engine (what the test would catch).
  const kept = new DeltaEngine(16, 0n);
  assert.deepEqual(count(), [before[0]! + 1, before[1], before[2]! + 1, before[3]! + 1]);
  assert.equal(kept.capacity, 16);
});

test("the warm-up touches no BPF map and writes no file (strace of a process that runs it)", (t) => {
  if (spawnSync("strace", ["-V"]).status !== 0) return t.skip("strace not installed");
  const dir = mkdtempSync(join(tmpdir(), "ibsr-warm-up-"));
  try {
    const log = join(dir, "strace.log");
    const module = fileURLToPath(new URL("./warm-up.ts", import.meta.url));
    // Markers around the call, as writes to fd 2 that strace shows; the process runs in an empty folder.
    const script = [
      `const { warmSnapshotPath } = await import(${JSON.stringify(module)});`,
      `process.stderr.write("WARM-UP-BEGIN\\n");`,
      "const r = await warmSnapshotPath();",
      `process.stderr.write("WARM-UP-END " + r.lastBytes + "\\n");`,
    ].join("\n");
    const work = join(dir, "cwd");
    spawnSync("mkdir", [work]);
    const r = spawnSync(
      "strace",
      [
        "-f",
        "-o",
        log,
        "-e",
        "trace=bpf,open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,write",
        process.execPath,
        "--expose-gc",
        // tsx by its path: the process runs in an empty folder, where the name does not resolve.
        "--import",
        import.meta.resolve("tsx"),
        "--input-type=module",
        "-e",
        script,
      ],
      { cwd: work, encoding: "utf8", timeout: 120_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /WARM-UP-END [1-9]/);
    const lines = readFileSync(log, "utf8").split("\n");
    const begin = lines.findIndex((l) => l.includes("WARM-UP-BEGIN"));
    const end = lines.findIndex((l) => l.includes("WARM-UP-END"));
    assert.ok(begin >= 0 && end > begin, "markers in the trace");
    const during = lines.slice(begin + 1, end);
    const offending = during.filter(
      (l) =>
        /\bbpf\(/.test(l) ||
        /\b(creat|mkdir|mkdirat|rename|renameat2?|unlink|unlinkat)\(/.test(l) ||
        (/\bopen(at)?\(/.test(l) && /O_WRONLY|O_RDWR|O_CREAT/.test(l)),
    );
    assert.deepEqual(offending, []);
    assert.deepEqual(readdirSync(work), [], "nothing written in the working folder");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
