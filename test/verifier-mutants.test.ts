// Bytecode mutants of the real program: copy the object's bytes, patch one thing the way an attacker
// or a compiler surprise could, and check the object layer rejects it with the right rule at the
// right instruction. The unpatched copy passes, so each rejection is caused by the patch alone.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { btfMapDefs, parseBtf } from "../packages/collector/src/safety/btf.js";
import { clangUnavailableReason, compileBpf } from "../packages/collector/src/safety/clang.js";
import { parseElf } from "../packages/collector/src/safety/elf.js";
import { decodeInsns, type Insn } from "../packages/collector/src/safety/insn.js";
import {
  UnreadableObjectError,
  type VerifyResult,
  verifyObject,
} from "../packages/collector/src/safety/object.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

let original: Uint8Array | undefined;
let workDir = "";
let unavailable: string | null = null;

/** The real object: bpf/build/ibsr.bpf.o, or compiled here when the build has not run. */
before(async () => {
  const built = join(REPO_ROOT, "bpf/build/ibsr.bpf.o");
  if (existsSync(built)) {
    original = new Uint8Array(readFileSync(built));
    return;
  }
  unavailable = clangUnavailableReason();
  if (unavailable) return;
  workDir = mkdtempSync(join(tmpdir(), "ibsr-mutants-"));
  const obj = await compileBpf(join(REPO_ROOT, "bpf/ibsr.bpf.c"), workDir, {
    includeDirs: [join(REPO_ROOT, "bpf")],
  });
  original = new Uint8Array(readFileSync(obj));
});
after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function need(t: { skip(msg: string): void }): Uint8Array | undefined {
  if (original) return original;
  const why = unavailable ?? "bpf/build/ibsr.bpf.o missing";
  if (process.env.CI) throw new Error(`mutant tests cannot run in CI: ${why}`);
  t.skip(why);
  return undefined;
}

interface Mutable {
  bytes: Uint8Array;
  dv: DataView;
  /** Byte offset of the xdp section in the file. */
  code: number;
  insns: Insn[];
}

function mutable(src: Uint8Array): Mutable {
  const bytes = new Uint8Array(src); // a copy: the original stays intact
  const elf = parseElf(bytes);
  const xdp = elf.sectionByName("xdp");
  assert.ok(xdp, "the real object has an xdp section");
  const insns = decodeInsns(elf.sectionData(xdp));
  return { bytes, dv: new DataView(bytes.buffer), code: xdp.offset, insns };
}

/** Overwrites one 8-byte instruction slot. */
function put(
  m: Mutable,
  index: number,
  f: { opcode: number; dst?: number; src?: number; off?: number; imm?: number },
) {
  const at = m.code + index * 8;
  m.dv.setUint8(at, f.opcode);
  m.dv.setUint8(at + 1, ((f.src ?? 0) << 4) | (f.dst ?? 0));
  m.dv.setInt16(at + 2, f.off ?? 0, true);
  m.dv.setInt32(at + 4, f.imm ?? 0, true);
}

function find(m: Mutable, pred: (i: Insn) => boolean, what: string): Insn {
  const insn = m.insns.find(pred);
  assert.ok(insn, `the real program has ${what}`);
  return insn;
}

function expectRejected(result: VerifyResult, rule: string, insn: number | undefined, text: RegExp): void {
  const shown = result.findings.map((f) => `  ${f.message}`).join("\n");
  assert.equal(result.ok, false, "the mutant passed the verifier");
  const hit = result.findings.find((f) => f.rule === rule && (insn === undefined || f.insn === insn));
  assert.ok(hit, `expected ${rule}${insn === undefined ? "" : ` at insn ${insn}`}, got:\n${shown}`);
  assert.match(hit.message, text);
}

const isMovR0Pass = (i: Insn) => i.opcode === 0xb7 && i.dst === 0 && i.imm === 2;
const isHelperCall = (id: number) => (i: Insn) => i.opcode === 0x85 && i.src === 0 && i.imm === id;
const isDataLoad = (i: Insn) => i.opcode === 0x61 && i.src === 1 && i.off === 0; // rX = ctx->data

describe("bytecode mutants of the real program", () => {
  test("control: the unpatched copy passes", (t) => {
    const src = need(t);
    if (!src) return;
    const m = mutable(src);
    assert.deepEqual(
      verifyObject(m.bytes).findings.map((f) => f.message),
      [],
    );
  });

  for (const [imm, name] of [
    [0, "XDP_ABORTED"],
    [1, "XDP_DROP"],
    [3, "XDP_TX"],
    [4, "XDP_REDIRECT"],
  ] as const) {
    test(`the \`r0 = 2\` before exit patched to ${imm} (${name})`, (t) => {
      const src = need(t);
      if (!src) return;
      const m = mutable(src);
      const mov = find(m, isMovR0Pass, "`r0 = 2`");
      put(m, mov.index, { opcode: 0xb7, dst: 0, imm });
      expectRejected(
        verifyObject(m.bytes),
        "exit-returns-pass",
        undefined,
        new RegExp(
          `\\(exit\\): r0 may be ${imm} \\(${name}\\) here \\(set by insn ${mov.index}: r0 = ${imm}\\)`,
        ),
      );
    });
  }

  test("the `r0 = 2` replaced by a copy from another register", (t) => {
    const src = need(t);
    if (!src) return;
    const m = mutable(src);
    const mov = find(m, isMovR0Pass, "`r0 = 2`");
    put(m, mov.index, { opcode: 0xbf, dst: 0, src: 6 });
    expectRejected(verifyObject(m.bytes), "exit-returns-pass", undefined, /r0 may be a copy of r6/);
  });

  for (const [id, name] of [
    [23, "bpf_redirect"],
    [51, "bpf_redirect_map"],
    [44, "bpf_xdp_adjust_head"],
    [190, "bpf_xdp_store_bytes"],
    [12, "bpf_tail_call"],
    [130, "bpf_ringbuf_output"],
    [25, "bpf_perf_event_output"],
    [6, "bpf_trace_printk"],
  ] as const) {
    test(`a map_lookup_elem call swapped to ${name} (#${id})`, (t) => {
      const src = need(t);
      if (!src) return;
      const m = mutable(src);
      const call = find(m, isHelperCall(1), "a bpf_map_lookup_elem call");
      put(m, call.index, { opcode: 0x85, imm: id });
      expectRejected(
        verifyObject(m.bytes),
        "helper-allowlist",
        call.index,
        new RegExp(`call ${name}#${id}\\): helper ${name} \\(#${id}\\) is not allowed`),
      );
    });
  }

  test("a byte store through the packet data pointer replaces the instruction after its load", (t) => {
    const src = need(t);
    if (!src) return;
    const m = mutable(src);
    const load = find(m, isDataLoad, "the ctx->data load");
    const victim = load.index + 1;
    put(m, victim, { opcode: 0x72, dst: load.dst, off: 0, imm: 0xff }); // *(u8 *)(rX + 0) = 0xff
    expectRejected(
      verifyObject(m.bytes),
      "store-target",
      victim,
      /stores through r\d, which is a packet pointer/,
    );
  });

  test("an atomic add into packet memory through a derived pointer", (t) => {
    const src = need(t);
    if (!src) return;
    const m = mutable(src);
    const load = find(m, isDataLoad, "the ctx->data load");
    // The first `rY = rX` copy of the data pointer, then `rY += 14` patched into a lock add through rY.
    const copy = find(
      m,
      (i) => i.index > load.index && i.opcode === 0xbf && i.src === load.dst,
      "a copy of the data pointer",
    );
    const next = copy.index + 1;
    put(m, next, { opcode: 0xdb, dst: copy.dst, src: 2, off: 0 }); // lock *(u64 *)(rY + 0) += r2
    expectRejected(verifyObject(m.bytes), "store-target", next, /packet pointer/);
  });

  test("the BPF_NOEXIST flag of the insert patched to BPF_ANY", (t) => {
    const src = need(t);
    if (!src) return;
    const m = mutable(src);
    const call = find(m, isHelperCall(2), "the bpf_map_update_elem call");
    const setR4 = [...m.insns]
      .reverse()
      .find((i) => i.index < call.index && i.dst === 4 && i.opcode === 0xb7);
    assert.ok(setR4 && setR4.imm === 1, "r4 = 1 (BPF_NOEXIST) is set before the insert");
    put(m, setR4.index, { opcode: 0xb7, dst: 4, imm: 0 });
    expectRejected(verifyObject(m.bytes), "update-noexist", call.index, /here r4 is 0/);
  });

  test("a forward conditional jump patched into a back edge", (t) => {
    const src = need(t);
    if (!src) return;
    const m = mutable(src);
    const jmp = find(
      m,
      (i) => i.opcode === 0x2d && i.index > 5, // if rX > rY goto +N (a bounds check)
      "a conditional jump",
    );
    put(m, jmp.index, { opcode: jmp.opcode, dst: jmp.dst, src: jmp.src, off: -3 });
    expectRejected(
      verifyObject(m.bytes),
      "no-back-edge",
      jmp.index,
      new RegExp(`jumps back to insn ${jmp.index - 2}; backward jumps \\(loops\\) are not allowed`),
    );
  });

  test("an unconditional jump to itself (an infinite loop)", (t) => {
    const src = need(t);
    if (!src) return;
    const m = mutable(src);
    const ja = find(m, (i) => i.opcode === 0x05 && i.off > 0, "an unconditional forward jump");
    put(m, ja.index, { opcode: 0x05, off: -1 });
    expectRejected(
      verifyObject(m.bytes),
      "no-back-edge",
      ja.index,
      new RegExp(`jumps back to insn ${ja.index}`),
    );
  });

  test("a jump into the second half of an ld_imm64", (t) => {
    const src = need(t);
    if (!src) return;
    const m = mutable(src);
    const isCondJump = (i: Insn) =>
      (i.opcode & 7) === 5 && (i.opcode & 0xf0) !== 0x80 && (i.opcode & 0xf0) !== 0x90;
    const jmp = find(
      m,
      (i) => isCondJump(i) && m.insns.some((l) => l.opcode === 0x18 && l.index > i.index),
      "a jump before an ld_imm64",
    );
    const ld = find(m, (i) => i.opcode === 0x18 && i.index > jmp.index, "an ld_imm64 after it");
    const target = ld.index + 1;
    put(m, jmp.index, {
      opcode: jmp.opcode,
      dst: jmp.dst,
      src: jmp.src,
      imm: jmp.imm,
      off: target - jmp.index - 1,
    });
    expectRejected(verifyObject(m.bytes), "jump-target", jmp.index, /not the start of an instruction/);
  });

  test("a helper call turned into a BPF-to-BPF call and into a kfunc call", (t) => {
    const src = need(t);
    if (!src) return;
    for (const [srcReg, rule] of [
      [1, "no-subprog-call"],
      [2, "no-kfunc"],
    ] as const) {
      const m = mutable(src);
      const call = find(m, isHelperCall(5), "the bpf_ktime_get_ns call");
      put(m, call.index, { opcode: 0x85, src: srcReg, imm: 5 });
      expectRejected(verifyObject(m.bytes), rule, call.index, /not allowed/);
    }
  });

  test("a map address load turned into a callback address (BPF_PSEUDO_FUNC)", (t) => {
    const src = need(t);
    if (!src) return;
    const m = mutable(src);
    const ld = find(m, (i) => i.opcode === 0x18, "an ld_imm64");
    m.dv.setUint8(m.code + ld.index * 8 + 1, (4 << 4) | ld.dst);
    expectRejected(verifyObject(m.bytes), "no-callback", ld.index, /callback/);
  });

  test("a legacy packet load (LD_ABS) is not an allowed opcode", (t) => {
    const src = need(t);
    if (!src) return;
    const m = mutable(src);
    const load = find(m, isDataLoad, "the ctx->data load");
    put(m, load.index + 1, { opcode: 0x30, imm: 12 }); // r0 = ld_abs u8 [12]
    expectRejected(verifyObject(m.bytes), "opcode-allowlist", load.index + 1, /opcode 0x30/);
  });

  /** Patches the `__uint(field, N)` of a map definition in the BTF (N is an array length). */
  function patchMapUint(bytes: Uint8Array, map: string, field: string, value: number): void {
    const elf = parseElf(bytes);
    const sec = elf.sectionByName(".BTF");
    assert.ok(sec);
    const btf = parseBtf(elf.sectionData(sec));
    assert.ok(btfMapDefs(btf).some((d) => d.name === map));
    const variable = btf.types.find((ty) => ty.kind === 14 && ty.name === map);
    const struct = variable ? btf.resolve(variable.sizeOrType) : undefined;
    const member = struct?.members.find((mm) => mm.name === field);
    const ptr = member ? btf.resolve(member.type) : undefined;
    const arr = ptr ? btf.resolve(ptr.sizeOrType) : undefined;
    assert.ok(arr?.array, `map ${map} has an __uint(${field}, ...)`);
    // struct btf_type (12 bytes) then struct btf_array { type, index_type, nelems }.
    new DataView(bytes.buffer).setUint32(sec.offset + arr.at + 12 + 8, value, true);
  }

  test("the flow maps' type patched in BTF from LRU_HASH to HASH, then to RINGBUF", (t) => {
    const src = need(t);
    if (!src) return;
    for (const [type, name] of [
      [1, "BPF_MAP_TYPE_HASH"],
      [27, "BPF_MAP_TYPE_RINGBUF"],
    ] as const) {
      const m = mutable(src);
      // Both flow maps declare the same __uint(type, ...), which BTF stores once: patching it patches both.
      patchMapUint(m.bytes, "ibsr_flows4", "type", type);
      const result = verifyObject(m.bytes);
      for (const flows of ["ibsr_flows4", "ibsr_flows6"]) {
        const typeHit = result.findings.find(
          (f) => f.rule === "map-type" && f.message.includes(`map ${flows}:`),
        );
        assert.ok(typeHit, `map-type finding for ${flows}`);
        assert.match(typeHit.message, new RegExp(`map ${flows}: ${name} \\(${type}\\) is not allowed`));
        // Every instruction that references the map is rejected too.
        assert.ok(
          result.findings.some(
            (f) =>
              f.rule === "reloc-allowed-map" &&
              f.message.includes(`relocation to ${flows}: map ${flows} is not an allowed map`),
          ),
          `reloc-allowed-map finding for ${flows}`,
        );
      }
    }
  });

  test("the flow map's max_entries patched in BTF to 0 and beyond the limit", (t) => {
    const src = need(t);
    if (!src) return;
    for (const flows of ["ibsr_flows4", "ibsr_flows6"])
      for (const n of [0, 0x7fffffff]) {
        const m = mutable(src);
        patchMapUint(m.bytes, flows, "max_entries", n);
        expectRejected(
          verifyObject(m.bytes),
          "map-size",
          undefined,
          new RegExp(`max_entries ${n}: must be between 1 and`),
        );
      }
  });

  test("a map relocation retargeted to a symbol that is not a map", (t) => {
    const src = need(t);
    if (!src) return;
    const m = mutable(src);
    const elf = parseElf(m.bytes);
    const xdp = elf.sectionByName("xdp")!;
    const rel = elf.relocations.get(xdp.index);
    assert.ok(rel && rel.entries.length > 0);
    const license = elf.symbols.find((s) => s.name === "LICENSE");
    assert.ok(license, "the object has a LICENSE symbol");
    const first = rel.entries[0]!;
    // Elf64_Rel: r_offset (8 bytes), r_info = sym << 32 | type.
    const entryAt = rel.section.offset; // the first entry
    new DataView(m.bytes.buffer).setUint32(entryAt + 12, license.index, true);
    expectRejected(
      verifyObject(m.bytes),
      "reloc-allowed-map",
      first.offset / 8,
      /relocation to LICENSE: section license is neither \.maps nor this object's/,
    );
  });

  test("the final exit replaced: control runs off the end of the program", (t) => {
    const src = need(t);
    if (!src) return;
    const m = mutable(src);
    const last = m.insns[m.insns.length - 1]!;
    assert.equal(last.opcode, 0x95, "the program ends with exit");
    put(m, last.index, { opcode: 0xb7, dst: 0, imm: 2 });
    expectRejected(verifyObject(m.bytes), "jump-target", last.index, /runs past the end/);
  });

  test("random corruption never crashes the verifier: a verdict or UnreadableObjectError, nothing else", (t) => {
    const src = need(t);
    if (!src) return;
    const elf = parseElf(src);
    const shoff = Number(new DataView(src.buffer, src.byteOffset).getBigUint64(40, true));
    // Headers and the sections the verifier parses, weighted equally.
    const regions: [number, number][] = [
      [0, 64],
      [shoff, src.length - shoff],
    ];
    for (const s of elf.sections) {
      if (["xdp", ".relxdp", ".symtab", ".strtab", ".BTF", ".BTF.ext"].includes(s.name))
        regions.push([s.offset, s.size]);
    }
    let seed = 0x1b5;
    const rnd = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const tally = { safe: 0, unsafe: 0, unreadable: 0 };
    for (let n = 0; n < 1500; n++) {
      const bytes = new Uint8Array(src);
      const [start, len] = regions[rnd() % regions.length]!;
      for (let k = 1 + (rnd() % 3); k > 0; k--) bytes[start + (rnd() % len)] = rnd() & 0xff;
      try {
        tally[verifyObject(bytes).ok ? "safe" : "unsafe"]++;
      } catch (err) {
        if (!(err instanceof UnreadableObjectError)) throw err;
        tally.unreadable++;
      }
    }
    t.diagnostic(`corrupted copies: ${JSON.stringify(tally)}`);
    assert.ok(tally.unsafe > 0 && tally.unreadable > 0);
  });
});
