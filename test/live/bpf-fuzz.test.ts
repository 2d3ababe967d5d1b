// Fuzz: thousands of random and mutated frames through BPF_PROG_TEST_RUN. The program must return
// XDP_PASS (2) every time and hand back the frame byte for byte; its counters must stay coherent
// (per-key sums equal the per-CPU totals, because the map is large enough never to evict).
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildFrame, type FrameSpec } from "../../lab/frames.js";
import { BatchCursor } from "../../packages/collector/src/libbpf/index.js";
import { requireLive } from "../harness/live.js";
import { loadIbsr } from "./bpf-fixture.js";

/** xorshift32: reproducible from the printed seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

test("random and mutated frames: always XDP_PASS, output identical, counters coherent", (t) => {
  if (!requireLive(t)) return;
  const seed = Number(process.env.IBSR_FUZZ_SEED ?? Date.now() % 0x7fffffff);
  t.diagnostic(`seed ${seed} (IBSR_FUZZ_SEED=${seed} reproduces)`);
  const rand = rng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const f = loadIbsr({ mapSize: 65536 });
  try {
    const ports = [80, 443, 22, 8080];
    f.setPorts(ports);
    const seeds: FrameSpec[] = [
      { ipv4: { src: "198.18.0.9" }, tcp: { dstPort: 80, flags: "S" } },
      {
        vlans: [{ vid: 3 }],
        ipv4: { src: "198.18.0.9", options: new Uint8Array(8) },
        tcp: { dstPort: 443, flags: "PA" },
        payload: 30,
      },
      {
        vlans: [{ tpid: 0x88a8, vid: 1 }, { vid: 2 }],
        ipv6: { src: "2001:2::77" },
        tcp: { dstPort: 22, flags: "A" },
      },
      {
        ipv6: { src: "2001:2:1::1", ext: [{ type: "hop" }, { type: "frag" }, { type: "dest", length: 16 }] },
        tcp: { dstPort: 8080, flags: "SA" },
      },
      {
        ipv6: { src: "2001:2:1::1", ext: [{ type: "routing", length: 24 }] },
        tcp: { dstPort: 80, flags: "FA", doff: 10 },
        payload: 12,
      },
    ];
    const N = 6000;
    for (let i = 0; i < N; i++) {
      let frame: Buffer;
      if (i % 3 === 0) {
        // random bytes, with a plausible EtherType half the time
        frame = Buffer.alloc(14 + int(200));
        for (let j = 0; j < frame.length; j++) frame[j] = int(256);
        if (rand() < 0.5) frame.writeUInt16BE([0x0800, 0x86dd, 0x8100, 0x88a8][int(4)]!, 12);
      } else {
        // a valid frame with 1-6 bytes overwritten and maybe cut short
        frame = buildFrame(seeds[int(seeds.length)]!);
        const flips = 1 + int(6);
        for (let k = 0; k < flips; k++) frame[int(frame.length)] = int(256);
        if (rand() < 0.3) frame = frame.subarray(0, 14 + int(frame.length - 13));
      }
      const copy = Buffer.from(frame);
      const r = f.run(frame);
      assert.equal(r.retval, 2, `frame ${i} (${copy.toString("hex")})`);
      assert.ok(r.dataOut.equals(copy), `frame ${i}: output differs from input`);
      assert.ok(frame.equals(copy), `frame ${i}: input buffer changed`);
    }
    const g = f.globals();
    assert.equal(g.packets_seen, BigInt(N));
    assert.ok(g.tcp_seen <= g.packets_seen && g.matched_packets <= g.tcp_seen);
    assert.ok(g.matched_packets > 0n, "some mutated frames still match");
    // Per-key sums equal the totals.
    const cur = new BatchCursor();
    const keys = Buffer.alloc(4096 * 24);
    const vals = Buffer.alloc(4096 * 72);
    let packets = 0n;
    let bytes = 0n;
    let syn = 0n;
    let entries = 0;
    for (const [map, family] of [
      [f.flows[0], 4],
      [f.flows[1], 6],
    ] as const) {
      const ks = map.keySize; // the kernel's key: 8 bytes for IPv4, short for IPv6 with the default /64
      cur.started = false;
      cur.done = false;
      while (!cur.done) {
        const n = map.lookupBatch(cur, keys, vals, 4096);
        for (let k = 0; k < n; k++) {
          const fam = keys[k * ks]!;
          assert.equal(fam, family, `family ${fam} in the IPv${family} map`);
          assert.ok(ports.includes(keys.readUInt16LE(k * ks + 2)), "only monitored ports are keys");
          syn += vals.readBigUInt64LE(k * 72);
          packets += vals.readBigUInt64LE(k * 72 + 48);
          bytes += vals.readBigUInt64LE(k * 72 + 56);
        }
        entries += n;
      }
    }
    assert.equal(BigInt(entries), g.inserts);
    assert.equal(packets, g.matched_packets);
    assert.equal(bytes, g.matched_bytes);
    assert.equal(syn, g.matched_syn);
  } finally {
    f.close();
  }
});
