// Bytecode analysis of the one XDP program: the control-flow rules (no back edge, no BPF-to-BPF or
// kfunc call, no callback, helper allowlist, known opcodes, jumps in bounds) on every instruction,
// and a forward abstract interpretation over the CFG for the two semantic rules:
//   exit-returns-pass: r0 at every exit was set, on every path, by `mov r0, 2`;
//   store-target: every store goes through a pointer proven to be the stack or a non-NULL map value.
// Because back edges are rejected, every jump goes forward and one pass in instruction order visits
// each instruction after all its predecessors: the join at a merge point is complete when we get there.
import type { Finding } from "./findings.js";
import {
  BPF_ALU_OP,
  BPF_ATOMIC,
  BPF_CLASS,
  BPF_JMP_OP,
  BPF_MODE,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_SIZE_BYTES,
  disassemble,
  helperName,
  type Insn,
} from "./insn.js";
import { ALLOWED_HELPERS, XDP_ACTIONS, XDP_PASS } from "./policy.js";

/** What a register or stack slot may hold. `unknown` is the join of incompatible kinds: never safe. */
export type Kind =
  | "uninit"
  | "scalar"
  | "ctx"
  | "packet"
  | "packet_end"
  | "stack"
  | "map_ptr"
  | "map_value_or_null"
  | "map_value"
  | "global_data"
  | "unknown";

interface Val {
  kind: Kind;
  /** Instructions that may have defined this value (-1: program entry). Sorted, unique. */
  defs: readonly number[];
  /** stack: byte offset from r10; ctx: offset into xdp_md. undefined = not a known constant. */
  off?: number | undefined;
  /** map_ptr/map_value(_or_null): the map; global_data: the section. */
  map?: string | undefined;
  /** map_value_or_null: identity shared by copies, so one NULL check refines them all. */
  id?: number | undefined;
  /** scalar: the known constant, if any. */
  value?: bigint | undefined;
}

const STACK_SLOTS = 64; // 512-byte BPF stack in 8-byte slots
const ENTRY = -1;

interface State {
  regs: Val[];
  /** slot k holds bytes [r10 - 8(k+1), r10 - 8k). undefined: never written. */
  slots: (Val | undefined)[];
}

/** What the analysis needs to know about a relocated ld_imm64. */
export type RelocTarget =
  | { kind: "map"; name: string }
  | { kind: "global_data"; section: string }
  /** A relocated call: to a function of this object, or to an extern (a kfunc once libbpf resolves it). */
  | { kind: "call"; name: string; extern: boolean };

export interface AnalyzeInput {
  section: string;
  insns: Insn[];
  /** Instruction indices where programs start (one per function symbol); [0] when omitted. */
  entries?: number[];
  /** ld_imm64 relocations by instruction index (only valid ones; invalid ones are reported by the caller). */
  relocs: Map<number, RelocTarget>;
}

export interface AnalyzeOutput {
  findings: Finding[];
  helpers: number[];
  exits: number;
  reachable: number;
}

const UNINIT: Val = { kind: "uninit", defs: [ENTRY] };

function mergeDefs(a: readonly number[], b: readonly number[]): readonly number[] {
  if (a === b) return a;
  const out = [...new Set([...a, ...b])];
  out.sort((x, y) => x - y);
  return out;
}

function joinVal(a: Val | undefined, b: Val | undefined): Val | undefined {
  if (a === b) return a;
  if (!a || !b) {
    // A stack slot written on one path only: reading it may see garbage.
    const some = a ?? b;
    return some ? { kind: "uninit", defs: some.defs } : undefined;
  }
  const defs = mergeDefs(a.defs, b.defs);
  let kind: Kind;
  if (a.kind === b.kind) kind = a.kind;
  else if (a.kind === "uninit" || b.kind === "uninit") kind = "uninit";
  else if (
    (a.kind === "map_value" && b.kind === "map_value_or_null") ||
    (a.kind === "map_value_or_null" && b.kind === "map_value")
  )
    kind = "map_value_or_null";
  else kind = "unknown";
  return {
    kind,
    defs,
    off: a.off === b.off ? a.off : undefined,
    map: a.map === b.map ? a.map : undefined,
    id: a.id === b.id ? a.id : undefined,
    value: a.value === b.value ? a.value : undefined,
  };
}

function joinState(a: State, b: State): State {
  return {
    regs: a.regs.map((r, i) => joinVal(r, b.regs[i]) ?? UNINIT),
    slots: a.slots.map((s, i) => joinVal(s, b.slots[i])),
  };
}

function cloneState(s: State): State {
  return { regs: [...s.regs], slots: [...s.slots] };
}

const POINTER_KINDS: ReadonlySet<Kind> = new Set([
  "ctx",
  "packet",
  "packet_end",
  "stack",
  "map_ptr",
  "map_value_or_null",
  "map_value",
  "global_data",
]);

function describeKind(v: Val): string {
  switch (v.kind) {
    case "packet":
      return "a packet pointer (derived from ctx->data)";
    case "packet_end":
      return "the packet end pointer (ctx->data_end)";
    case "ctx":
      return "the context pointer (struct xdp_md)";
    case "map_value_or_null":
      return `a map value pointer${v.map ? ` into ${v.map}` : ""} that may be NULL (no NULL check on this path)`;
    case "map_ptr":
      return `a map pointer${v.map ? ` (${v.map})` : ""}, not a value`;
    case "global_data":
      return `a pointer into global data${v.map ? ` (${v.map})` : ""}`;
    case "scalar":
      return "a scalar, not a pointer";
    case "uninit":
      return "uninitialised on some path";
    case "unknown":
      return "of no single proven kind (different kinds on different paths, or pointer arithmetic the analysis does not follow)";
    default:
      return v.kind;
  }
}

export function analyzeProgram(input: AnalyzeInput): AnalyzeOutput {
  const { insns, section, relocs } = input;
  const findings: Finding[] = [];
  const helpers = new Set<number>();
  const posOf = new Map<number, number>(); // insn index -> position in insns
  insns.forEach((insn, pos) => {
    posOf.set(insn.index, pos);
  });
  const byIndex = (index: number): Insn | undefined => {
    const pos = posOf.get(index);
    return pos === undefined ? undefined : insns[pos];
  };
  const where = (insn: Insn) => `${section} insn ${insn.index} (${disassemble(insn)})`;
  const report = (rule: string, insn: Insn, text: string) => {
    findings.push({ rule, section, insn: insn.index, message: `${rule}: ${where(insn)}: ${text}` });
  };
  const lastIndex = insns.length > 0 ? insns[insns.length - 1]!.index + insns[insns.length - 1]!.slots : 0;

  // --- Pass 1: per-instruction rules and successors, on every instruction, reachable or not.
  const succs: number[][] = [];
  for (const insn of insns) {
    const next = insn.index + insn.slots;
    const out: number[] = [];
    const op = insn.opcode & 0xf0;
    const isJmp = insn.cls === BPF_CLASS.JMP || insn.cls === BPF_CLASS.JMP32;
    const checkTarget = (target: number): boolean => {
      if (target <= insn.index) {
        const t0 = byIndex(target);
        const t1 = t0 ? byIndex(t0.index + t0.slots) : undefined;
        const isExitBlock = (i: Insn | undefined) => i?.opcode === 0x95;
        const toExit = isExitBlock(t0) || (t0?.cls === BPF_CLASS.ALU64 && isExitBlock(t1));
        report(
          "no-back-edge",
          insn,
          `jumps back to insn ${target}; backward jumps (loops) are not allowed, so the program runs in bounded time${
            toExit
              ? " (the target is the shared exit block: compile with -mllvm -disable-block-placement so clang places it last)"
              : ""
          }`,
        );
        return false;
      }
      if (!posOf.has(target)) {
        report(
          "jump-target",
          insn,
          `jumps to insn ${target}, which is not the start of an instruction in ${section}`,
        );
        return false;
      }
      return true;
    };
    if (!isKnownOpcode(insn)) {
      report(
        "opcode-allowlist",
        insn,
        `opcode 0x${insn.opcode.toString(16).padStart(2, "0")} is not one the analysis allows`,
      );
      succs.push([]);
      continue;
    }
    if (isJmp && op === BPF_JMP_OP.EXIT) {
      succs.push([]);
      continue;
    }
    if (isJmp && op === BPF_JMP_OP.CALL) {
      const callReloc = relocs.get(insn.index);
      const callee = callReloc?.kind === "call" ? callReloc : undefined;
      if (callee?.extern) {
        // clang emits a kfunc call as a pseudo call to an undefined symbol; libbpf rewrites it to src_reg 2.
        report(
          "no-kfunc",
          insn,
          `calls extern ${callee.name}, a kernel function (kfunc); kfunc calls are not allowed`,
        );
      } else if (insn.src === BPF_PSEUDO_CALL) {
        report(
          "no-subprog-call",
          insn,
          `BPF-to-BPF call${callee ? ` to ${callee.name}` : ""} is not allowed: the program must be one straight function`,
        );
      } else if (insn.src === BPF_PSEUDO_KFUNC_CALL) {
        report("no-kfunc", insn, "kernel function (kfunc) calls are not allowed");
      } else if (insn.src !== 0) {
        report("opcode-allowlist", insn, `call with src_reg ${insn.src} is not a helper call`);
      } else {
        helpers.add(insn.imm);
        if (!ALLOWED_HELPERS.has(insn.imm)) {
          report(
            "helper-allowlist",
            insn,
            `helper ${helperName(insn.imm)} (#${insn.imm}) is not allowed; allowed: ${[...ALLOWED_HELPERS]
              .map((id) => `${helperName(id)} (#${id})`)
              .join(", ")}`,
          );
        }
      }
      out.push(next);
    } else if (isJmp && op === BPF_JMP_OP.JA) {
      const target = next + (insn.cls === BPF_CLASS.JMP32 ? insn.imm : insn.off);
      if (checkTarget(target)) out.push(target);
    } else if (isJmp) {
      out.push(next);
      const target = next + insn.off;
      if (checkTarget(target)) out.push(target);
    } else {
      if (insn.opcode === 0x18 && insn.src !== 0) {
        if (insn.src === BPF_PSEUDO_FUNC) {
          report(
            "no-callback",
            insn,
            "loads the address of a BPF function (a callback); callbacks are not allowed",
          );
        } else {
          report(
            "opcode-allowlist",
            insn,
            `ld_imm64 with pseudo source ${insn.src} is not allowed in an object file`,
          );
        }
      }
      out.push(next);
    }
    for (const t of out) {
      if (t >= lastIndex) {
        report("jump-target", insn, `control runs past the end of ${section} (insn ${t})`);
      }
    }
    succs.push(out.filter((t) => t < lastIndex && t > insn.index));
  }

  // --- Pass 2: abstract interpretation in instruction order.
  const inState: (State | undefined)[] = new Array(insns.length);
  const entry: State = { regs: [], slots: new Array(STACK_SLOTS).fill(undefined) };
  for (let r = 0; r < 11; r++) entry.regs.push(UNINIT);
  entry.regs[1] = { kind: "ctx", defs: [ENTRY], off: 0 };
  entry.regs[10] = { kind: "stack", defs: [ENTRY], off: 0 };
  // Every function symbol is analysed as an entry, so a second program's exits are checked too.
  for (const e of input.entries ?? [0]) {
    const pos = posOf.get(e);
    if (pos !== undefined) inState[pos] = entry;
  }
  let exits = 0;
  let reachable = 0;

  const propagate = (toIndex: number, s: State) => {
    const pos = posOf.get(toIndex);
    if (pos === undefined) return;
    const cur = inState[pos];
    inState[pos] = cur ? joinState(cur, s) : s;
  };

  for (let pos = 0; pos < insns.length; pos++) {
    const insn = insns[pos]!;
    const st = inState[pos];
    if (!st) continue;
    inState[pos] = undefined; // free as we go
    reachable++;
    const s = cloneState(st);
    const reg = (r: number): Val => s.regs[r] ?? UNINIT;
    const set = (r: number, v: Omit<Val, "defs">) => {
      if (r >= 0 && r < 10) s.regs[r] = { ...v, defs: [insn.index] };
    };
    const cls = insn.cls;
    const op = insn.opcode & 0xf0;
    const sizeBytes = BPF_SIZE_BYTES[(insn.opcode >> 3) & 3] ?? 8;
    const mode = insn.opcode & 0xe0;
    const succ = succs[pos] ?? [];

    if (cls === BPF_CLASS.ALU || cls === BPF_CLASS.ALU64) {
      transferAlu(insn, reg, set);
    } else if (cls === BPF_CLASS.LD) {
      if (insn.opcode === 0x18) {
        const target = relocs.get(insn.index);
        if (insn.src !== 0) set(insn.dst, { kind: "unknown" });
        else if (!target) set(insn.dst, { kind: "scalar", value: insn.imm64 });
        else if (target.kind === "map") set(insn.dst, { kind: "map_ptr", map: target.name });
        else if (target.kind === "global_data") set(insn.dst, { kind: "global_data", map: target.section });
        else set(insn.dst, { kind: "unknown" });
      }
    } else if (cls === BPF_CLASS.LDX) {
      const base = reg(insn.src);
      if (mode === BPF_MODE.MEMSX) set(insn.dst, { kind: "scalar" });
      else if (base.kind === "ctx") {
        const at = base.off === undefined ? undefined : base.off + insn.off;
        // struct xdp_md: data at 0, data_end at 4, data_meta at 8.
        if (at === undefined) set(insn.dst, { kind: "unknown" });
        else if (at === 0 || at === 8) set(insn.dst, { kind: "packet" });
        else if (at === 4) set(insn.dst, { kind: "packet_end" });
        else set(insn.dst, { kind: "scalar" });
      } else if (base.kind === "stack") {
        const at = base.off === undefined ? undefined : base.off + insn.off;
        if (at === undefined)
          set(insn.dst, { kind: s.slots.some((v) => v && v.kind !== "scalar") ? "unknown" : "scalar" });
        else if (sizeBytes === 8 && at % 8 === 0 && at < 0 && at >= -8 * STACK_SLOTS) {
          const slot = s.slots[-at / 8 - 1];
          // A fill restores exactly what was spilled (kind, map, NULL-check id).
          if (!slot) set(insn.dst, { kind: "uninit" });
          else set(insn.dst, { ...slot });
        } else set(insn.dst, { kind: "scalar" });
      } else set(insn.dst, { kind: "scalar" });
    } else if (cls === BPF_CLASS.ST || cls === BPF_CLASS.STX) {
      const target = reg(insn.dst);
      if (target.kind !== "stack" && target.kind !== "map_value") {
        report(
          "store-target",
          insn,
          `stores through r${insn.dst}, which is ${describeKind(target)}${originNote(target, byIndex)}; stores are allowed only to the stack (via r10) and to map values after a NULL check`,
        );
      }
      if (target.kind === "stack") {
        const stored: Val =
          cls === BPF_CLASS.STX && mode === BPF_MODE.MEM && sizeBytes === 8
            ? reg(insn.src)
            : { kind: "scalar", defs: [insn.index] };
        const at = target.off === undefined ? undefined : target.off + insn.off;
        if (at === undefined) {
          // Unknown offset: any slot may now hold the stored value.
          s.slots = s.slots.map((v) => joinVal(v ?? { kind: "uninit", defs: [ENTRY] }, stored));
        } else {
          const first = Math.floor(at / 8);
          const last = Math.floor((at + sizeBytes - 1) / 8);
          for (let k = first; k <= last; k++) {
            const idx = -k - 1;
            if (idx < 0 || idx >= STACK_SLOTS) continue;
            const whole = sizeBytes === 8 && at % 8 === 0 && mode === BPF_MODE.MEM;
            s.slots[idx] = whole ? stored : { kind: "scalar", defs: [insn.index] };
          }
        }
      }
      if (cls === BPF_CLASS.STX && mode === BPF_MODE.ATOMIC) {
        if (insn.imm === BPF_ATOMIC.CMPXCHG) set(0, { kind: "scalar" });
        else if (insn.imm & BPF_ATOMIC.FETCH) set(insn.src, { kind: "scalar" });
      }
    } else if (cls === BPF_CLASS.JMP || cls === BPF_CLASS.JMP32) {
      if (op === BPF_JMP_OP.EXIT) {
        exits++;
        checkExit(insn, reg(0), byIndex, report);
        continue;
      }
      if (op === BPF_JMP_OP.CALL) {
        const r1 = reg(1);
        if (insn.src === 0 && insn.imm === 2) {
          // Counters are only ever inserted fresh: an update of an existing entry swaps in a new
          // element and loses concurrent atomic adds (design: "never update an existing entry").
          const r4 = reg(4);
          if (r4.kind !== "scalar" || r4.value !== 1n) {
            report(
              "update-noexist",
              insn,
              `bpf_map_update_elem flags (r4) must be the constant BPF_NOEXIST (1) on every path; here r4 is ${
                r4.kind === "scalar" && r4.value !== undefined ? `${r4.value}` : describeKind(r4)
              }`,
            );
          }
        }
        if (insn.src === 0 && insn.imm === 1) {
          set(0, {
            kind: "map_value_or_null",
            map: r1.kind === "map_ptr" ? r1.map : undefined,
            id: insn.index,
          });
        } else set(0, { kind: "scalar" });
        for (let r = 1; r <= 5; r++) set(r, { kind: "uninit" });
        for (const t of succ) propagate(t, s);
        continue;
      }
      const isNullTest =
        cls === BPF_CLASS.JMP &&
        (op === BPF_JMP_OP.JEQ || op === BPF_JMP_OP.JNE) &&
        !(insn.opcode & 0x08) &&
        insn.imm === 0 &&
        insn.off !== 0;
      if (isNullTest) {
        const tested = reg(insn.dst);
        if (tested.kind === "map_value_or_null") {
          const target = insn.index + 1 + insn.off;
          const nonNullAt = op === BPF_JMP_OP.JEQ ? insn.index + 1 : target;
          for (const t of succ) {
            if (t === nonNullAt) {
              const refined = cloneState(s);
              refineNonNull(refined, insn.dst, tested);
              propagate(t, refined);
            } else propagate(t, s);
          }
          continue;
        }
      }
      for (const t of succ) propagate(t, s);
      continue;
    }
    for (const t of succ) propagate(t, s);
  }

  return { findings, helpers: [...helpers].sort((a, b) => a - b), exits, reachable };
}

function originNote(v: Val, byIndex: (i: number) => Insn | undefined): string {
  const defs = v.defs.filter((d) => d !== ENTRY).slice(0, 3);
  if (defs.length === 0) return "";
  const parts = defs.map((d) => {
    const insn = byIndex(d);
    return insn ? `insn ${d}: ${disassemble(insn)}` : `insn ${d}`;
  });
  return ` (set by ${parts.join("; ")})`;
}

function refineNonNull(s: State, r: number, tested: Val): void {
  const refine = (v: Val | undefined): Val | undefined =>
    v && v.kind === "map_value_or_null" && tested.id !== undefined && v.id === tested.id
      ? { ...v, kind: "map_value", id: undefined }
      : v;
  if (tested.id === undefined) {
    s.regs[r] = { ...tested, kind: "map_value" };
    return;
  }
  s.regs = s.regs.map((v) => refine(v) ?? UNINIT);
  s.slots = s.slots.map(refine);
}

function checkExit(
  insn: Insn,
  r0: Val,
  byIndex: (i: number) => Insn | undefined,
  report: (rule: string, insn: Insn, text: string) => void,
): void {
  const bad: string[] = [];
  for (const d of r0.defs) {
    if (d === ENTRY) {
      bad.push("r0 is not set on some path");
      continue;
    }
    const def = byIndex(d);
    if (!def) continue;
    const isMovImm =
      (def.cls === BPF_CLASS.ALU64 || def.cls === BPF_CLASS.ALU) &&
      (def.opcode & 0xf0) === BPF_ALU_OP.MOV &&
      !(def.opcode & 0x08) &&
      def.off === 0 &&
      def.dst === 0;
    if (isMovImm && def.imm === XDP_PASS) continue;
    const shown = `insn ${d}: ${disassemble(def)}`;
    if (isMovImm) {
      const action = XDP_ACTIONS[def.imm];
      bad.push(`r0 may be ${def.imm}${action ? ` (${action})` : ""} here (set by ${shown})`);
    } else if (def.cls === BPF_CLASS.LDX || def.cls === BPF_CLASS.LD) {
      bad.push(`r0 may be a value loaded from memory (set by ${shown})`);
    } else if (
      (def.cls === BPF_CLASS.JMP || def.cls === BPF_CLASS.JMP32) &&
      (def.opcode & 0xf0) === BPF_JMP_OP.CALL
    ) {
      bad.push(`r0 may be the return value of a call (set by ${shown})`);
    } else if ((def.opcode & 0xf0) === BPF_ALU_OP.MOV && def.opcode & 0x08) {
      bad.push(`r0 may be a copy of r${def.src} (set by ${shown})`);
    } else {
      bad.push(`r0 may be computed (set by ${shown})`);
    }
  }
  if (bad.length > 0) {
    report(
      "exit-returns-pass",
      insn,
      `${bad.join("; ")}; every exit must return XDP_PASS (2) set by \`r0 = 2\``,
    );
  }
}

function transferAlu(
  insn: Insn,
  reg: (r: number) => Val,
  set: (r: number, v: Omit<Val, "defs">) => void,
): void {
  const op = insn.opcode & 0xf0;
  const is64 = insn.cls === BPF_CLASS.ALU64;
  const useReg = (insn.opcode & 0x08) !== 0;
  const dst = reg(insn.dst);
  if (op === BPF_ALU_OP.MOV) {
    if (!useReg) {
      const v = is64 ? BigInt(insn.imm) : BigInt(insn.imm >>> 0);
      set(insn.dst, { kind: "scalar", value: v });
    } else if (is64 && insn.off === 0) {
      // A copy keeps the kind and the NULL-check identity.
      const src = reg(insn.src);
      set(insn.dst, { kind: src.kind, off: src.off, map: src.map, id: src.id, value: src.value });
    } else set(insn.dst, { kind: "scalar" });
    return;
  }
  if (op === BPF_ALU_OP.NEG || op === BPF_ALU_OP.END) {
    set(insn.dst, { kind: POINTER_KINDS.has(dst.kind) ? "unknown" : "scalar" });
    return;
  }
  const src: Val = useReg ? reg(insn.src) : { kind: "scalar", defs: [insn.index], value: BigInt(insn.imm) };
  const dstPtr = POINTER_KINDS.has(dst.kind);
  const srcPtr = POINTER_KINDS.has(src.kind);
  if (!dstPtr && !srcPtr) {
    let value: bigint | undefined;
    if (is64 && dst.value !== undefined && src.value !== undefined) {
      if (op === BPF_ALU_OP.ADD) value = BigInt.asIntN(64, dst.value + src.value);
      else if (op === BPF_ALU_OP.SUB) value = BigInt.asIntN(64, dst.value - src.value);
    }
    const kind =
      dst.kind === "uninit" || src.kind === "uninit"
        ? "uninit"
        : dst.kind === "unknown" || src.kind === "unknown"
          ? "unknown"
          : "scalar";
    set(insn.dst, { kind, value });
    return;
  }
  if (is64 && (op === BPF_ALU_OP.ADD || op === BPF_ALU_OP.SUB)) {
    if (dstPtr && !srcPtr && src.kind === "scalar" && dst.kind !== "map_value_or_null") {
      const delta =
        src.value === undefined ? undefined : Number(op === BPF_ALU_OP.ADD ? src.value : -src.value);
      const off = dst.off === undefined || delta === undefined ? undefined : dst.off + delta;
      if (dst.kind === "ctx" && off === undefined) set(insn.dst, { kind: "unknown" });
      else set(insn.dst, { kind: dst.kind, off, map: dst.map });
      return;
    }
    if (
      op === BPF_ALU_OP.ADD &&
      srcPtr &&
      !dstPtr &&
      dst.kind === "scalar" &&
      src.kind !== "map_value_or_null"
    ) {
      const off = src.off === undefined || dst.value === undefined ? undefined : src.off + Number(dst.value);
      if (src.kind === "ctx" && off === undefined) set(insn.dst, { kind: "unknown" });
      else set(insn.dst, { kind: src.kind, off, map: src.map });
      return;
    }
    if (op === BPF_ALU_OP.SUB && dstPtr && srcPtr) {
      set(insn.dst, { kind: "scalar" }); // pointer difference, e.g. packet length
      return;
    }
  }
  // Any other arithmetic with a pointer: the result is no longer a pointer we can vouch for.
  set(insn.dst, { kind: "unknown" });
}

/** Opcodes the analysis models; everything else (legacy packet loads, may_goto, ...) is rejected. */
function isKnownOpcode(insn: Insn): boolean {
  const { cls, opcode } = insn;
  if (insn.dst > 10 || (insn.src > 10 && opcode !== 0x18)) return false;
  // r10 (the frame pointer) is read-only.
  const writesDst =
    cls === BPF_CLASS.LD || cls === BPF_CLASS.LDX || cls === BPF_CLASS.ALU || cls === BPF_CLASS.ALU64;
  if (writesDst && insn.dst === 10) return false;
  const op = opcode & 0xf0;
  const mode = opcode & 0xe0;
  switch (cls) {
    case BPF_CLASS.LD:
      return opcode === 0x18;
    case BPF_CLASS.LDX:
      return mode === BPF_MODE.MEM || mode === BPF_MODE.MEMSX;
    case BPF_CLASS.ST:
      return mode === BPF_MODE.MEM;
    case BPF_CLASS.STX:
      if (mode === BPF_MODE.MEM) return true;
      if (mode !== BPF_MODE.ATOMIC) return false;
      return [0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1].includes(insn.imm);
    case BPF_CLASS.ALU:
    case BPF_CLASS.ALU64:
      return op <= BPF_ALU_OP.END && insn.dst < 10 && insn.src <= 10;
    case BPF_CLASS.JMP:
      return op <= BPF_JMP_OP.JSLE && insn.dst <= 10 && insn.src <= 10;
    case BPF_CLASS.JMP32:
      return op <= BPF_JMP_OP.JSLE && op !== BPF_JMP_OP.CALL && op !== BPF_JMP_OP.EXIT;
    default:
      return false;
  }
}
