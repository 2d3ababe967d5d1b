// The IPv6 /64 key is built without the prefix mask: the program branches on the .rodata prefix length,
// the kernel's verifier follows only the branch of the configured length and drops the other, so the loaded
// /64 program never reads ibsr_ipv6_mask, while any other length still does (and is counted by its mask:
// bpf-counters.test.ts). Read from the kernel's translated instructions, not from the object.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RODATA } from "@ibsr/contract";
import { buildFrame } from "../../lab/frames.js";
import { countLoadedPath } from "../../lab/xlated-path.js";
import { defaultObjectPath, KernelSpec, readObject } from "../../packages/collector/src/kernel/index.js";
import { mapInfoById, progInfo } from "../../packages/collector/src/libbpf/index.js";
import { requireLive } from "../harness/live.js";
import { loadIbsr } from "./bpf-fixture.js";

const BPF_LD_IMM64 = 0x18;
const BPF_PSEUDO_MAP_VALUE = 2;

/** Offsets into the program's .rodata that its translated instructions take the address of. */
function rodataAddressesTaken(progFd: number): number[] {
  const info = progInfo(progFd);
  const rodataIds = new Set(info.mapIds.filter((id) => mapInfoById(id)?.name.endsWith(".rodata")));
  assert.equal(rodataIds.size, 1, "the program uses one .rodata map");
  const x = info.xlatedInsns;
  const offsets: number[] = [];
  for (let at = 0; at + 16 <= x.length; at += 8) {
    if (x[at] !== BPF_LD_IMM64) continue;
    // For a privileged reader the kernel writes the map's id into imm and the value offset into the
    // second half's imm.
    if (x[at + 1]! >> 4 === BPF_PSEUDO_MAP_VALUE && rodataIds.has(x.readUInt32LE(at + 4)))
      offsets.push(x.readInt32LE(at + 12));
    at += 8; // the second half of the 16-byte instruction
  }
  return offsets;
}

test("an IPv6 /64 is keyed without the mask: the loaded program never reads ibsr_ipv6_mask", (t) => {
  if (!requireLive(t)) return;
  const spec = KernelSpec.fromBytes(readObject(defaultObjectPath()), { label: "ibsr.bpf.o" });
  const mask = spec.facts.rodata.get(RODATA.ipv6Mask);
  spec.close();
  assert.ok(mask, `${RODATA.ipv6Mask} in .rodata`);
  const maskBytes = (offsets: number[]) => offsets.filter((o) => o >= mask.offset && o < mask.offset + 16);
  for (const [prefix, reads] of [
    [64, false],
    [48, true],
    [61, true],
    [96, true],
  ] as const) {
    const f = loadIbsr({ mapSize: 64, ipv6PrefixLen: prefix });
    try {
      const taken = rodataAddressesTaken(f.progFd);
      assert.ok(
        taken.length > 0,
        `/${prefix}: the program takes .rodata addresses (prefix length, clock switch)`,
      );
      assert.equal(
        maskBytes(taken).length > 0,
        reads,
        `/${prefix}: ${reads ? "reads" : "must not read"} the mask (.rodata offsets taken: ${taken.join(", ")})`,
      );
    } finally {
      f.close();
    }
  }
});

test("the IPv6 /64 hot path runs fewer instructions than a masked prefix's, and counts the same", (t) => {
  if (!requireLive(t)) return;
  const frame = buildFrame({ ipv6: { src: "2001:2:0:1::1" }, tcp: { dstPort: 80, flags: "S" } });
  const insns: Record<number, number> = {};
  for (const [prefix, key] of [
    [64, "2001:2:0:1::"],
    [48, "2001:2::"],
  ] as const) {
    const f = loadIbsr({ mapSize: 64, ipv6PrefixLen: prefix });
    try {
      f.setPorts([80]);
      const path = countLoadedPath(f.progFd, frame);
      assert.equal(path.atomics, 3, `/${prefix}: packets, bytes and syn`);
      insns[prefix] = path.insns;
      // one frame per call: a repeated run stops with EINTR when a signal is pending, and the bpftool
      // children countLoadedPath ran may have left a SIGCHLD behind
      for (let i = 0; i < 3; i++) f.run(frame);
      assert.equal(f.read(6, key, 80)?.syn, 3n, `/${prefix}: the key holds the frames`);
    } finally {
      f.close();
    }
  }
  assert.ok(insns[64]! < insns[48]!, `/64 ${insns[64]} instructions, /48 ${insns[48]}`);
});
