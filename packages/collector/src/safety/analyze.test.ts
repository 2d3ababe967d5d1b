import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { analyzeProgram, type RelocTarget } from "./analyze.js";
import { asm, assemble, type RawInsn } from "./asm.js";
import { decodeInsns } from "./insn.js";

const { mov, mov32, movr, add, addr, and, ldx, stx, st, xadd, jeq, jne, jgtr, ja, call, exit, ld64 } = asm;

/** Runs the analysis; every ld_imm64 with src 0 is treated as relocated to the map `ibsr_m`. */
function run(list: RawInsn[], opts: { entries?: number[]; globalData?: boolean } = {}) {
  const insns = decodeInsns(assemble(list));
  const relocs = new Map<number, RelocTarget>();
  for (const i of insns) {
    if (i.opcode === 0x18 && i.src === 0) {
      relocs.set(
        i.index,
        opts.globalData ? { kind: "global_data", section: ".rodata" } : { kind: "map", name: "ibsr_m" },
      );
    }
  }
  return analyzeProgram({
    section: "xdp",
    insns,
    relocs,
    ...(opts.entries ? { entries: opts.entries } : {}),
  });
}

function rules(list: RawInsn[], opts?: { entries?: number[]; globalData?: boolean }): string[] {
  return run(list, opts).findings.map((f) => f.rule);
}

function only(list: RawInsn[], rule: string, insn: number): string {
  const out = run(list);
  assert.deepEqual(
    out.findings.map((f) => `${f.rule}@${f.insn}`),
    [`${rule}@${insn}`],
    out.findings.map((f) => f.message).join("\n"),
  );
  return out.findings[0]!.message;
}

/** r1 = ctx; r6 = ctx->data; r7 = ctx->data_end (slots 0-1). */
const PACKET = [ldx("w", 6, 1, 0), ldx("w", 7, 1, 4)];
/** r0 = bpf_map_lookup_elem(&ibsr_m, r10 - 8) (slots 0-6: key store, r2, ld_imm64 x2, call). */
const LOOKUP = [st("w", 10, -8, 0), movr(2, 10), add(2, -8), ld64(1), call(1)];

describe("exit-returns-pass", () => {
  test("r0 = 2 before the only exit passes", () => {
    assert.deepEqual(rules([mov(0, 2), exit()]), []);
  });

  test("a 32-bit `w0 = 2` passes too", () => {
    assert.deepEqual(rules([mov32(0, 2), exit()]), []);
  });

  test("r0 = 1 names the value, the action and the defining instruction", () => {
    const msg = only([mov(0, 1), exit()], "exit-returns-pass", 1);
    assert.equal(
      msg,
      "exit-returns-pass: xdp insn 1 (exit): r0 may be 1 (XDP_DROP) here (set by insn 0: r0 = 1); every exit must return XDP_PASS (2) set by `r0 = 2`",
    );
  });

  test("one path of two sets r0 = 1: reaching definitions catch it at the merge", () => {
    // 0: r0 = 2; 1: if r1 == 0 goto +1; 2: r0 = 1; 3: exit
    const msg = only([mov(0, 2), jeq(1, 0, 1), mov(0, 1), exit()], "exit-returns-pass", 3);
    assert.match(msg, /r0 may be 1 \(XDP_DROP\) here \(set by insn 2: r0 = 1\)/);
    assert.doesNotMatch(msg, /insn 0/, "the `r0 = 2` definition is fine and not listed");
  });

  test("r0 not set on one path", () => {
    // 0: if r1 == 0 goto +1; 1: r0 = 2; 2: exit
    assert.match(
      only([jeq(1, 0, 1), mov(0, 2), exit()], "exit-returns-pass", 2),
      /r0 is not set on some path/,
    );
  });

  test("a helper call clobbers r0 after it was set", () => {
    assert.match(
      only([mov(0, 2), call(5), exit()], "exit-returns-pass", 2),
      /r0 may be the return value of a call \(set by insn 1: call bpf_ktime_get_ns#5\)/,
    );
  });

  test("a load into r0 fails even when the loaded value happens to be 2 (map or .rodata)", () => {
    const list = [ld64(1), ldx("w", 0, 1, 0), exit()];
    assert.match(
      run(list, { globalData: true }).findings[0]?.message ?? "",
      /r0 may be a value loaded from memory \(set by insn 2: r0 = \*\(u32 \*\)\(r1 \+ 0\)\)/,
    );
  });

  test("a copy into r0 fails even from a register holding 2", () => {
    assert.match(only([mov(6, 2), movr(0, 6), exit()], "exit-returns-pass", 2), /r0 may be a copy of r6/);
  });

  test("arithmetic that yields 2 fails: only `r0 = 2` counts", () => {
    assert.match(only([mov(0, 1), add(0, 1), exit()], "exit-returns-pass", 2), /r0 may be computed/);
  });

  test("a second entry point (second program) is analysed too", () => {
    // Program 1 at 0-1, program 2 at 2-3 returning XDP_ABORTED.
    const out = rules([mov(0, 2), exit(), mov(0, 0), exit()], { entries: [0, 2] });
    assert.deepEqual(out, ["exit-returns-pass"]);
  });
});

describe("store-target", () => {
  test("stores to the stack through r10 and through a derived copy pass", () => {
    assert.deepEqual(
      rules([st("dw", 10, -8, 0), movr(2, 10), add(2, -16), stx("w", 2, 0, 1), mov(0, 2), exit()]),
      [],
    );
  });

  test("a store through the ctx pointer fails", () => {
    assert.match(
      only([st("w", 1, 16, 0), mov(0, 2), exit()], "store-target", 0),
      /stores through r1, which is the context pointer \(struct xdp_md\)/,
    );
  });

  for (const [off, what] of [
    [0, "data"],
    [8, "data_meta"],
  ] as const) {
    test(`a store through ctx->${what} fails`, () => {
      assert.match(
        only([ldx("w", 2, 1, off), st("b", 2, 0, 1), mov(0, 2), exit()], "store-target", 1),
        /which is a packet pointer \(derived from ctx->data\) \(set by insn 0: r2 = \*\(u32 \*\)\(r1 \+ \d\)\)/,
      );
    });
  }

  test("a store through ctx->data_end fails", () => {
    assert.match(
      only([ldx("w", 2, 1, 4), st("b", 2, -1, 1), mov(0, 2), exit()], "store-target", 1),
      /packet end/,
    );
  });

  test("a packet pointer moved by arithmetic is still a packet pointer", () => {
    only(
      [...PACKET, movr(2, 6), add(2, 14), addr(2, 3), stx("h", 2, 0, 3), mov(0, 2), exit()],
      "store-target",
      5,
    );
  });

  test("an atomic add into the packet fails", () => {
    only([...PACKET, xadd(6, 0, 7), mov(0, 2), exit()], "store-target", 2);
  });

  test("a map value after a NULL check passes, before it fails", () => {
    // 5: if r0 == 0 goto +1; 6: *(u64 *)(r0 + 0) = 1
    assert.deepEqual(rules([...LOOKUP, jeq(0, 0, 1), st("dw", 0, 0, 1), mov(0, 2), exit()]), []);
    assert.match(
      only([...LOOKUP, st("dw", 0, 0, 1), mov(0, 2), exit()], "store-target", 6),
      /map value pointer into ibsr_m that may be NULL \(no NULL check on this path\) \(set by insn 5: call bpf_map_lookup_elem#1\)/,
    );
  });

  test("a NULL check on a copy refines the original (and the other way round), with `!=` too", () => {
    // 6: r6 = r0; 7: if r6 != 0 goto +2; 8: r0 = 2; 9: exit; 10: atomic add through r0 (the original)
    assert.deepEqual(
      rules([...LOOKUP, movr(6, 0), jne(6, 0, 2), mov(0, 2), exit(), xadd(0, 0, 1), mov(0, 2), exit()]),
      [],
    );
  });

  test("map value on one path and an unchecked lookup on the other: the join is NULL-able", () => {
    // 6: if r0 == 0 goto +1; 7: goto +0 (join point at 8 sees checked and unchecked? no: make an unchecked path)
    // 0..5 lookup; 6: if r9 == 0 goto +1 (skip the check); 7: if r0 == 0 goto +2; 8: store; 9: r0 = 2; 10: exit
    const list = [...LOOKUP, jeq(9, 0, 1), jeq(0, 0, 2), st("dw", 0, 0, 1), mov(0, 2), exit()];
    const out = run(list);
    assert.ok(out.findings.some((f) => f.rule === "store-target" && f.insn === 8));
  });

  test("stack on one path and packet on the other: the join is not a safe kind", () => {
    // 0-1 packet; 2: r2 = r10; 3: if r9 == 0 goto +1; 4: r2 = r6; 5: store through r2
    const msg = only(
      [...PACKET, movr(2, 10), jeq(9, 0, 1), movr(2, 6), st("b", 2, -1, 0), mov(0, 2), exit()],
      "store-target",
      5,
    );
    assert.match(msg, /of no single proven kind/);
  });

  test("a packet pointer spilled to the stack, kept across a helper call and filled back is still a packet pointer", () => {
    const list = [
      ...PACKET, // 0-1
      stx("dw", 10, -16, 6), // 2: spill r6
      call(5), // 3: clobbers r1-r5
      ldx("dw", 3, 10, -16), // 4: fill into r3
      st("b", 3, 0, 0xff), // 5: write the packet
      mov(0, 2),
      exit(),
    ];
    assert.match(
      only(list, "store-target", 5),
      /packet pointer .* \(set by insn 4: r3 = \*\(u64 \*\)\(r10 - 16\)\)/,
    );
  });

  test("a map value spilled and filled back stays a map value", () => {
    const list = [
      ...LOOKUP,
      jeq(0, 0, 4),
      stx("dw", 10, -24, 0),
      call(5),
      ldx("dw", 4, 10, -24),
      xadd(4, 0, 0),
      mov(0, 2),
      exit(),
    ];
    assert.deepEqual(rules(list), []);
  });

  test("a spilled map value partly overwritten is no longer a pointer", () => {
    const list = [
      ...LOOKUP, // 0-5
      jeq(0, 0, 4), // 6
      stx("dw", 10, -24, 0), // 7: spill
      st("w", 10, -20, 7), // 8: overwrite half of the slot
      ldx("dw", 4, 10, -24), // 9: fill
      xadd(4, 0, 0), // 10
      mov(0, 2),
      exit(),
    ];
    assert.match(only(list, "store-target", 10), /r4, which is a scalar/);
  });

  test("a store through a stack pointer with unknown offset taints every slot", () => {
    const list = [
      ldx("w", 6, 1, 0), // 0: r6 = ctx->data (callee-saved: survives the call)
      ldx("w", 9, 1, 12), // 1: r9 = ctx->ingress_ifindex, a scalar of unknown value
      ...LOOKUP, // 2-7
      jeq(0, 0, 6), // 8
      stx("dw", 10, -24, 0), // 9: spill the map value
      movr(2, 10), // 10
      addr(2, 9), // 11: stack pointer, unknown offset
      stx("dw", 2, -64, 6), // 12: stores a packet pointer into some slot (allowed: it is the stack)
      ldx("dw", 4, 10, -24), // 13: fill: may now be the packet pointer
      xadd(4, 0, 0), // 14
      mov(0, 2),
      exit(),
    ];
    assert.match(only(list, "store-target", 14), /r4, which is of no single proven kind/);
  });

  test("pointer arithmetic the analysis does not follow makes the pointer unknown", () => {
    assert.match(
      only([...PACKET, movr(2, 10), and(2, -8), st("b", 2, -1, 0), mov(0, 2), exit()], "store-target", 4),
      /no single proven kind/,
    );
  });

  test("a pointer into .rodata/.bss is not writable", () => {
    const out = run([ld64(2), st("w", 2, 0, 1), mov(0, 2), exit()], { globalData: true });
    assert.deepEqual(
      out.findings.map((f) => f.rule),
      ["store-target"],
    );
    assert.match(out.findings[0]!.message, /global data \(\.rodata\)/);
  });
});

describe("update-noexist", () => {
  const insert = (flags: RawInsn) => [...LOOKUP.slice(0, 4), movr(3, 2), flags, call(2), mov(0, 2), exit()];
  test("an insert with BPF_NOEXIST passes; BPF_ANY or an unknown flag fails", () => {
    assert.deepEqual(rules(insert(mov(4, 1))), []);
    assert.match(only(insert(mov(4, 0)), "update-noexist", 7), /here r4 is 0/);
    assert.match(only(insert(ldx("w", 4, 1, 12)), "update-noexist", 7), /here r4 is a scalar/);
  });
});

describe("control flow and encodings", () => {
  test("a backward conditional jump is a back edge", () => {
    // 0: r0 = 2; 1: if r1 > r2 goto -2 (to 0); 2: exit
    assert.match(only([mov(0, 2), jgtr(1, 2, -2), exit()], "no-back-edge", 1), /jumps back to insn 0/);
  });

  test("a jump to itself is a back edge", () => {
    assert.match(only([mov(0, 2), ja(-1), exit()], "no-back-edge", 1), /jumps back to insn 1/);
  });

  test("a jump back to the shared exit block says how to build without it", () => {
    const msg = only([mov(0, 2), exit(), jgtr(1, 2, -3), mov(0, 2), exit()], "no-back-edge", 2);
    assert.match(msg, /-mllvm -disable-block-placement/);
  });

  test("a jump into the middle of an ld_imm64 or past the end", () => {
    assert.match(
      only([ja(1), ld64(1), mov(0, 2), exit()], "jump-target", 0),
      /not the start of an instruction/,
    );
    assert.match(only([mov(0, 2)], "jump-target", 0), /runs past the end/);
  });

  test("helpers outside the allowlist are named", () => {
    assert.equal(
      only([call(23), mov(0, 2), exit()], "helper-allowlist", 0),
      "helper-allowlist: xdp insn 0 (call bpf_redirect#23): helper bpf_redirect (#23) is not allowed; allowed: bpf_map_lookup_elem (#1), bpf_map_update_elem (#2), bpf_ktime_get_ns (#5), bpf_ktime_get_coarse_ns (#160)",
    );
  });

  test("helpers in unreachable code are still rejected", () => {
    // 0: r0 = 2; 1: exit; 2: call bpf_tail_call (never reached)
    assert.deepEqual(rules([mov(0, 2), exit(), call(12), exit()]), ["helper-allowlist"]);
  });

  test("BPF-to-BPF calls, kfunc calls and callback addresses", () => {
    assert.match(only([call(3, 1), mov(0, 2), exit()], "no-subprog-call", 0), /BPF-to-BPF/);
    assert.match(only([call(77, 2), mov(0, 2), exit()], "no-kfunc", 0), /kfunc/);
    const cb = run([ld64(2, 5, 4), mov(0, 2), exit()]).findings;
    assert.deepEqual(
      cb.map((f) => f.rule),
      ["no-callback"],
    );
  });

  test("legacy packet loads, writes to r10 and unknown opcodes are rejected", () => {
    only([{ opcode: 0x30, imm: 12 }, mov(0, 2), exit()], "opcode-allowlist", 0);
    only([mov(10, 0), mov(0, 2), exit()], "opcode-allowlist", 0);
    only([{ opcode: 0xe5 }, mov(0, 2), exit()], "opcode-allowlist", 0);
  });

  test("counts exits and reachable instructions", () => {
    const out = run([jeq(1, 0, 2), mov(0, 2), exit(), mov(0, 2), exit()]);
    assert.equal(out.exits, 2);
    assert.equal(out.reachable, 5);
    assert.deepEqual(run([mov(0, 2), exit(), mov(0, 2), exit()]).reachable, 2);
  });
});
