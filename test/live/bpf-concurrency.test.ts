// Exactness under concurrency: two worker threads pinned to CPU 0 and CPU 1 test-run the program
// at the same time. On one hot key the atomic adds must not lose a single count; on a stream of new
// keys the BPF_NOEXIST insert + lookup must insert each key once and keep both CPUs' counts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import { GLOBAL_SIZE, GLOBAL_STRUCT_FIELDS, perCpuSlotSize } from "@ibsr/contract";
import type { BpfWorkerJob } from "../../lab/bpf-worker.js";
import { buildFrame } from "../../lab/frames.js";
import { numPossibleCpus } from "../../packages/collector/src/libbpf/index.js";
import { requireLive } from "../harness/live.js";
import { loadIbsr } from "./bpf-fixture.js";

// Workers do not inherit tsx's loader: register it inside the worker, then import the TS entry.
const workerUrl = new URL("../../lab/bpf-worker.ts", import.meta.url);
const workerBootstrap = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); });`;

function runWorkers(
  jobs: Array<Omit<BpfWorkerJob, "barrier" | "parties">>,
): Promise<Array<{ runs: number }>> {
  const barrier = new SharedArrayBuffer(8);
  return Promise.all(
    jobs.map(
      (job) =>
        new Promise<{ runs: number }>((resolve, reject) => {
          const w = new Worker(workerBootstrap, {
            eval: true,
            workerData: { ...job, barrier, parties: jobs.length },
          });
          w.once("message", resolve);
          w.once("error", reject);
          w.once("exit", (code) => code !== 0 && reject(new Error(`worker exited ${code}`)));
        }),
    ),
  );
}

function onlineCpus(): number {
  return numPossibleCpus();
}

test("one hot key hit from two CPUs at once: counters equal the total runs", async (t) => {
  if (!requireLive(t)) return;
  if (onlineCpus() < 2) {
    t.skip("needs two CPUs");
    return;
  }
  const f = loadIbsr({ mapSize: 1024 });
  try {
    f.setPorts([80]);
    const frame = buildFrame({ ipv4: { src: "198.18.3.3" }, tcp: { dstPort: 80, flags: "S" } });
    const rounds = 40;
    const repeat = 20_000;
    const res = await runWorkers([
      { progFd: f.progFd, cpu: 0, frames: [frame], rounds, repeat },
      { progFd: f.progFd, cpu: 1, frames: [frame], rounds, repeat },
    ]);
    const total = BigInt(2 * rounds * repeat);
    assert.equal(
      res.reduce((a, r) => a + r.runs, 0),
      2 * rounds,
    );
    const c = f.read(4, "198.18.3.3", 80)!;
    assert.equal(c.packets, total);
    assert.equal(c.syn, total);
    assert.equal(c.bytes, total * 40n);
    // Each CPU's slot of the per-CPU totals got exactly its worker's share: the pinning worked.
    const slot = perCpuSlotSize(GLOBAL_SIZE);
    const buf = Buffer.alloc(slot * numPossibleCpus());
    f.global.lookup(Buffer.alloc(4), buf);
    // Every frame matched, so each CPU's exit counter for them is matched_packets.
    const at = 8 * GLOBAL_STRUCT_FIELDS.indexOf("matched_packets");
    assert.equal(buf.readBigUInt64LE(at), total / 2n, "CPU 0 matched_packets");
    assert.equal(buf.readBigUInt64LE(slot + at), total / 2n, "CPU 1 matched_packets");
    assert.equal(f.globals().packets_seen, total, "packets_seen derived from the exit counters");
    assert.equal(f.globals().inserts, 1n);
  } finally {
    f.close();
  }
});

test("new keys raced from two CPUs: each inserted once, no count lost", async (t) => {
  if (!requireLive(t)) return;
  if (onlineCpus() < 2) {
    t.skip("needs two CPUs");
    return;
  }
  const keys = 3000;
  const f = loadIbsr({ mapSize: 8192 });
  try {
    f.setPorts([443]);
    const frames = Array.from({ length: keys }, (_, i) =>
      buildFrame({ ipv4: { src: `198.19.${i >> 8}.${i & 255}` }, tcp: { dstPort: 443, flags: "S" } }),
    );
    await runWorkers([
      { progFd: f.progFd, cpu: 0, frames, rounds: 1, repeat: 1 },
      { progFd: f.progFd, cpu: 1, frames, rounds: 1, repeat: 1 },
    ]);
    assert.equal(f.entries(), keys);
    const g = f.globals();
    assert.equal(g.inserts, BigInt(keys), "every key inserted exactly once");
    assert.equal(g.matched_packets, BigInt(2 * keys));
    for (let i = 0; i < keys; i += 97) {
      assert.equal(f.read(4, `198.19.${i >> 8}.${i & 255}`, 443)?.packets, 2n, `key ${i}`);
    }
    let sum = 0n;
    for (let i = 0; i < keys; i++) sum += f.read(4, `198.19.${i >> 8}.${i & 255}`, 443)?.packets ?? 0n;
    assert.equal(sum, BigInt(2 * keys));
  } finally {
    f.close();
  }
});
