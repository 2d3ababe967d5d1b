// The source layer: an early check of the C file before it is compiled, on clang's JSON AST, where
// macros are already expanded, enum constants resolve to their values and every helper call
// resolves to the integer its declaration in bpf_helper_defs.h is initialised with. It is a second
// opinion that fails fast with a line number; the object layer (object.ts) is the proof.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { hostIncludeDirs } from "./clang.js";
import type { Finding } from "./findings.js";
import { helperName } from "./insn.js";
import {
  ALLOWED_HELPERS,
  ALLOWED_MAP_FLAGS,
  ALLOWED_MAP_TYPES,
  mapFlagNames,
  mapTypeName,
  XDP_PASS,
} from "./policy.js";

const run = promisify(execFile);

export interface SourceResult {
  ok: boolean;
  file: string;
  findings: Finding[];
  programs: string[];
  maps: { name: string; type: number | undefined; flags: number }[];
}

export interface VerifySourceOptions {
  /** Extra include directories (-I); bpf/ (the file's own directory) is always searched. */
  includeDirs?: string[];
  clang?: string;
}

/** Clang itself could not parse the file (missing header, syntax error): neither safe nor unsafe. */
export class SourceParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceParseError";
  }
}

/** A clang JSON AST node; only the fields this module reads. */
interface AstNode {
  id?: string;
  kind?: string;
  name?: string;
  value?: string;
  opcode?: string;
  isArrow?: boolean;
  isImplicit?: boolean;
  castKind?: string;
  type?: { qualType?: string; desugaredQualType?: string };
  referencedDecl?: { id?: string; kind?: string; name?: string };
  tagUsed?: string;
  completeDefinition?: boolean;
  inner?: AstNode[];
  loc?: AstLoc;
  range?: { begin?: AstLoc; end?: AstLoc };
  /** Filled in by annotateLocations: where the node starts (expansion location). */
  at?: { file: string; line: number };
}

interface BareLoc {
  file?: string;
  line?: number;
  spellingLoc?: BareLoc;
  expansionLoc?: BareLoc;
}
type AstLoc = BareLoc;

/**
 * clang's first error lines, without the source excerpts and carets it quotes below each (for a binary
 * file those are kilobytes of escaped bytes).
 */
function clangErrors(stderr: string): string {
  const lines = stderr.trim().split("\n");
  const errors = lines.filter((l) => /:\d+:\d+: (fatal )?error: |^clang: error: /.test(l));
  return (errors.length > 0 ? errors : lines)
    .slice(0, 5)
    .map((l) => l.slice(0, 300))
    .join("\n");
}

/** A hint when the --source file does not look like C (a compiled object passed by mistake). */
function notCHint(file: string): string {
  return /\.c$|\.h$/.test(file)
    ? ""
    : "\n--source takes the program's C file; pass a compiled object as the positional argument instead";
}

/** Parses the C file with clang and checks it. Throws SourceParseError when clang cannot parse it. */
export async function verifySource(cPath: string, opts: VerifySourceOptions = {}): Promise<SourceResult> {
  const file = resolve(cPath);
  const includes = [...(opts.includeDirs ?? []), ...hostIncludeDirs(), resolve(file, "..")];
  const args = [
    "-Xclang",
    "-ast-dump=json",
    "-fsyntax-only",
    "-target",
    "bpf",
    ...includes.flatMap((d) => ["-I", d]),
    // Whatever its name: without -x clang takes a file ending in .o as linker input, prints nothing and
    // succeeds, and "nothing" is not a verdict.
    "-x",
    "c",
    file,
  ];
  let stdout: string;
  try {
    ({ stdout } = await run(opts.clang ?? "clang", args, { maxBuffer: 512 * 1024 * 1024 }));
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT")
      throw new SourceParseError(`clang not found (needed for --source): install clang`);
    const msg = clangErrors(e.stderr ?? e.message);
    throw new SourceParseError(`clang could not parse ${file}:\n${msg}${notCHint(file)}`);
  }
  let ast: AstNode;
  try {
    ast = JSON.parse(stdout) as AstNode;
  } catch (err) {
    throw new SourceParseError(
      `clang gave no readable AST for ${file} (${err instanceof Error ? err.message : String(err)})${notCHint(file)}`,
    );
  }
  return checkAst(ast, file);
}

/** Records on every node the file and line it starts at; clang's JSON omits both when unchanged. */
function annotateLocations(root: AstNode): void {
  let lastFile = "";
  let lastLine = 0;
  const bare = (l: BareLoc | undefined) => {
    if (!l) return;
    if (l.spellingLoc || l.expansionLoc) {
      bare(l.spellingLoc);
      bare(l.expansionLoc);
      return;
    }
    if (l.file !== undefined) lastFile = l.file;
    if (l.line !== undefined) lastLine = l.line;
  };
  const stack: AstNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    // clang prints loc, then range begin and end, each eliding what matches the previous one.
    // A node's position: its loc (declarations), else its range begin (expressions, statements).
    bare(n.loc);
    if (n.loc) n.at = { file: lastFile, line: lastLine };
    bare(n.range?.begin);
    if (!n.loc) n.at = { file: lastFile, line: lastLine };
    bare(n.range?.end);
    if (n.inner) for (let i = n.inner.length - 1; i >= 0; i--) stack.push(n.inner[i]!);
  }
}

function strip(n: AstNode | undefined): AstNode | undefined {
  let cur = n;
  while (
    cur &&
    (cur.kind === "ImplicitCastExpr" ||
      cur.kind === "CStyleCastExpr" ||
      cur.kind === "ParenExpr" ||
      cur.kind === "ConstantExpr" ||
      cur.kind === "FullExpr" ||
      cur.kind === "ExprWithCleanups")
  ) {
    if (cur.kind === "ConstantExpr" && cur.value !== undefined) return cur;
    cur = cur.inner?.[0];
  }
  return cur;
}

function walk(n: AstNode, visit: (n: AstNode) => void): void {
  const stack: AstNode[] = [n];
  while (stack.length > 0) {
    const cur = stack.pop()!;
    visit(cur);
    if (cur.inner) for (let i = cur.inner.length - 1; i >= 0; i--) stack.push(cur.inner[i]!);
  }
}

function checkAst(root: AstNode, file: string): SourceResult {
  annotateLocations(root);
  const findings: Finding[] = [];
  const add = (rule: string, node: AstNode, text: string) => {
    const line = node.at?.file === file ? node.at.line : undefined;
    const where = line !== undefined ? `${file}:${line}` : file;
    const f: Finding = { rule, section: file, message: `${rule}: ${where}: ${text}` };
    if (line !== undefined) f.line = line;
    findings.push(f);
  };

  // Index every top-level declaration: enum values, helper IDs, function bodies, records.
  const enumValues = new Map<string, bigint>();
  const helperIds = new Map<string, number>();
  const functions = new Map<string, AstNode>(); // id and name -> definition with a body
  const records = new Map<string, AstNode>();
  const top = root.inner ?? [];
  for (const decl of top) {
    if (decl.kind === "EnumDecl") {
      let next = 0n;
      for (const c of decl.inner ?? []) {
        if (c.kind !== "EnumConstantDecl" || !c.id) continue;
        const init = c.inner?.[0];
        const v = init ? evalConst(init, enumValues) : undefined;
        const value = v ?? next;
        enumValues.set(c.id, value);
        next = value + 1n;
      }
    } else if (decl.kind === "VarDecl" && decl.id && decl.inner?.[0]) {
      // bpf_helper_defs.h: static long (*bpf_redirect)(...) = (void *) 23;
      const init = strip(decl.inner[0]);
      if (init?.kind === "IntegerLiteral" && /\(\*\)\(/.test(decl.type?.qualType ?? "")) {
        helperIds.set(decl.id, Number(init.value));
      }
    } else if (decl.kind === "FunctionDecl" && decl.id) {
      if (decl.inner?.some((c) => c.kind === "CompoundStmt")) {
        functions.set(decl.id, decl);
        if (decl.name) functions.set(decl.name, decl);
      }
    } else if (decl.kind === "RecordDecl" && decl.id) {
      records.set(decl.id, decl);
      if (decl.name) records.set(`${decl.tagUsed ?? "struct"} ${decl.name}`, decl);
    }
  }

  // Programs: function definitions carrying a section attribute (SEC("...")).
  const programs = top.filter(
    (d) =>
      d.kind === "FunctionDecl" &&
      functions.get(d.id ?? "") === d &&
      d.inner?.some((c) => c.kind === "SectionAttr"),
  );
  for (const p of programs) {
    const params = (p.inner ?? []).filter((c) => c.kind === "ParmVarDecl");
    if (params.length !== 1 || !/struct xdp_md \*/.test(params[0]?.type?.qualType ?? "")) {
      add(
        "source-single-program",
        p,
        `program ${p.name} is not an XDP program (its parameter is not struct xdp_md *)`,
      );
    }
  }
  if (programs.length !== 1) {
    const names = programs.map((p) => p.name).join(", ");
    const node = programs[1] ?? root;
    add(
      "source-single-program",
      node,
      `${programs.length} programs (${names || "none"}); exactly one XDP program is allowed`,
    );
  }

  // Maps: variables in SEC(".maps"): their struct's `type`/`map_flags` fields are int (*)[N].
  const maps: SourceResult["maps"] = [];
  for (let i = 0; i < top.length; i++) {
    const d = top[i]!;
    if (d.kind !== "VarDecl" || !d.inner?.some((c) => c.kind === "SectionAttr")) continue;
    const qt = d.type?.qualType ?? "";
    let rec: AstNode | undefined;
    if (/unnamed struct at/.test(qt)) {
      for (let j = i - 1; j >= 0 && !rec; j--) if (top[j]?.kind === "RecordDecl") rec = top[j];
    } else rec = records.get(qt.replace(/^const /, ""));
    if (!rec?.inner) continue;
    const field = (name: string): number | undefined => {
      const f = rec?.inner?.find((c) => c.kind === "FieldDecl" && c.name === name);
      const m = f?.type?.qualType?.match(/\(\*\)\[(\d+)\]$/);
      return m ? Number(m[1]) : undefined;
    };
    const type = field("type");
    if (type === undefined) continue; // not a map definition (e.g. LICENSE)
    const flags = field("map_flags") ?? 0;
    maps.push({ name: d.name ?? "?", type, flags });
    if (!ALLOWED_MAP_TYPES.has(type)) {
      add(
        "source-map-type",
        d,
        `map ${d.name}: ${mapTypeName(type)} (${type}) is not allowed; allowed: ${[...ALLOWED_MAP_TYPES].map(mapTypeName).join(", ")}`,
      );
    }
    if ((flags & ~ALLOWED_MAP_FLAGS) !== 0) {
      add("source-map-flags", d, `map ${d.name}: map_flags ${mapFlagNames(flags)} not allowed`);
    }
  }

  // Walk every function reachable from the programs.
  const visited = new Set<AstNode>();
  const queue = [...programs];
  const tainted = new Set<string>(); // decl ids of pointers derived from ctx->data
  const bodies: AstNode[] = [];
  while (queue.length > 0) {
    const fn = queue.shift()!;
    if (visited.has(fn)) continue;
    visited.add(fn);
    bodies.push(fn);
    walk(fn, (n) => {
      if (n.kind === "GCCAsmStmt" || n.kind === "MSAsmStmt") {
        add("source-inline-asm", n, `inline assembly in ${fn.name} cannot be checked at the source level`);
      }
      if (n.kind === "DeclRefExpr" && n.referencedDecl?.kind === "FunctionDecl") {
        const callee = functions.get(n.referencedDecl.id ?? "") ?? functions.get(n.referencedDecl.name ?? "");
        if (callee) queue.push(callee);
      }
      if (n.kind !== "CallExpr") return;
      for (const arg of (n.inner ?? []).slice(1)) {
        const a = strip(arg);
        const fnRef = a?.kind === "UnaryOperator" && a.opcode === "&" ? strip(a.inner?.[0]) : a;
        if (fnRef?.kind === "DeclRefExpr" && fnRef.referencedDecl?.kind === "FunctionDecl") {
          add(
            "source-no-callback",
            n,
            `passes function ${fnRef.referencedDecl.name} as an argument (a callback)`,
          );
        }
      }
      const callee = strip(n.inner?.[0]);
      if (callee?.kind !== "DeclRefExpr") {
        add(
          "source-helper-allowlist",
          n,
          "a call through a computed function pointer cannot be resolved to a helper",
        );
        return;
      }
      const ref = callee.referencedDecl;
      const id = ref?.id ? helperIds.get(ref.id) : undefined;
      if (id !== undefined) {
        if (!ALLOWED_HELPERS.has(id)) {
          add(
            "source-helper-allowlist",
            n,
            `call to ${ref?.name} resolves to helper ${helperName(id)} (#${id}), which is not allowed`,
          );
        }
        return;
      }
      if (ref?.kind === "FunctionDecl") {
        const def = functions.get(ref.id ?? "") ?? functions.get(ref.name ?? "");
        const builtin = /^__(builtin|sync|atomic)_/.test(ref.name ?? "");
        if (!def && !builtin) {
          add(
            "source-no-kfunc",
            n,
            `call to ${ref.name}, which has no body here (an extern or kfunc) is not allowed`,
          );
        }
        return;
      }
      add("source-helper-allowlist", n, `call through ${ref?.name ?? "?"} does not resolve to a helper ID`);
    });
  }

  // Returns: every return in a program must be the constant XDP_PASS.
  for (const p of programs) {
    walk(p, (n) => {
      if (n.kind !== "ReturnStmt") return;
      const v = n.inner?.[0] ? evalConst(n.inner[0], enumValues) : undefined;
      if (v !== BigInt(XDP_PASS)) {
        const shown = v === undefined ? "a value that is not a compile-time constant" : `${v}`;
        add(
          "source-return-pass",
          n,
          `program ${p.name} returns ${shown}; every return must be the constant XDP_PASS (2)`,
        );
      }
    });
  }

  // Packet writes: taint pointers derived from ctx->data (through casts, arithmetic, variables,
  // parameters), then reject any write whose target is reached through a tainted pointer.
  const isPacket = (e: AstNode | undefined): boolean => packetDerived(e, tainted);
  for (let round = 0; round < 8; round++) {
    const before = tainted.size;
    for (const fn of bodies) {
      walk(fn, (n) => {
        if (n.kind === "VarDecl" && n.id && n.inner?.[0] && isPointerType(n) && isPacket(n.inner[0]))
          tainted.add(n.id);
        if (n.kind === "BinaryOperator" && n.opcode === "=") {
          const lhs = strip(n.inner?.[0]);
          if (lhs?.kind === "DeclRefExpr" && lhs.referencedDecl?.id && isPacket(n.inner?.[1]))
            tainted.add(lhs.referencedDecl.id);
        }
        if (n.kind === "CallExpr") {
          const callee = strip(n.inner?.[0]);
          const def = callee?.referencedDecl ? functions.get(callee.referencedDecl.id ?? "") : undefined;
          if (!def) return;
          const params = (def.inner ?? []).filter((c) => c.kind === "ParmVarDecl");
          (n.inner ?? []).slice(1).forEach((arg, i) => {
            const p = params[i];
            if (p?.id && isPacket(arg)) tainted.add(p.id);
          });
        }
      });
    }
    if (tainted.size === before) break;
  }
  for (const fn of bodies) {
    walk(fn, (n) => {
      let target: AstNode | undefined;
      if ((n.kind === "BinaryOperator" && n.opcode === "=") || n.kind === "CompoundAssignOperator")
        target = n.inner?.[0];
      else if (n.kind === "UnaryOperator" && (n.opcode === "++" || n.opcode === "--")) target = n.inner?.[0];
      else if (n.kind === "CallExpr") {
        const callee = strip(n.inner?.[0]);
        if (
          /^__builtin_mem(cpy|set|move)$/.test(callee?.referencedDecl?.name ?? "") &&
          isPacket(n.inner?.[1])
        ) {
          add(
            "source-packet-write",
            n,
            `${callee?.referencedDecl?.name} writes into packet memory in ${fn.name}`,
          );
        }
        return;
      }
      if (!target) return;
      const base = writeBase(target);
      if (base && /struct xdp_md \*/.test(strip(base)?.type?.qualType ?? "")) {
        add("source-ctx-write", n, `writes into the context (struct xdp_md) in ${fn.name}`);
      } else if (base && isPacket(base)) {
        add(
          "source-packet-write",
          n,
          `writes through a pointer derived from ctx->data in ${fn.name}; the program must never modify packets`,
        );
      }
    });
  }

  return { ok: findings.length === 0, file, findings, programs: programs.map((p) => p.name ?? "?"), maps };
}

function isPointerType(n: AstNode): boolean {
  return /\*/.test(n.type?.qualType ?? "") || /\*/.test(n.type?.desugaredQualType ?? "");
}

/** The pointer an lvalue is reached through, or undefined for a plain variable. */
function writeBase(lv: AstNode | undefined): AstNode | undefined {
  const e = strip(lv);
  if (!e) return undefined;
  switch (e.kind) {
    case "UnaryOperator":
      return e.opcode === "*" ? e.inner?.[0] : undefined;
    case "ArraySubscriptExpr":
      return e.inner?.[0];
    case "MemberExpr":
      return e.isArrow ? e.inner?.[0] : writeBase(e.inner?.[0]);
    default:
      return undefined;
  }
}

function packetDerived(e: AstNode | undefined, tainted: Set<string>): boolean {
  const n = strip(e);
  if (!n) return false;
  switch (n.kind) {
    case "DeclRefExpr":
      return tainted.has(n.referencedDecl?.id ?? "");
    case "MemberExpr": {
      const base = n.inner?.[0];
      if (
        /^(data|data_end|data_meta)$/.test(n.name ?? "") &&
        /xdp_md/.test(strip(base)?.type?.qualType ?? base?.type?.qualType ?? "")
      ) {
        return true;
      }
      return packetDerived(base, tainted);
    }
    case "BinaryOperator":
      return n.opcode === "+" || n.opcode === "-" || n.opcode === ","
        ? packetDerived(n.inner?.[0], tainted) || packetDerived(n.inner?.[1], tainted)
        : false;
    case "UnaryOperator":
      return n.opcode === "&" || n.opcode === "*" ? packetDerived(n.inner?.[0], tainted) : false;
    case "ArraySubscriptExpr":
      return packetDerived(n.inner?.[0], tainted);
    case "ConditionalOperator":
      return packetDerived(n.inner?.[1], tainted) || packetDerived(n.inner?.[2], tainted);
    default:
      return false;
  }
}

/** Integer value of a constant expression after macro expansion, or undefined. */
function evalConst(e: AstNode, enums: Map<string, bigint>): bigint | undefined {
  const n = e.kind === "ConstantExpr" && e.value !== undefined ? e : strip(e);
  if (!n) return undefined;
  switch (n.kind) {
    case "ConstantExpr":
    case "IntegerLiteral":
      return n.value !== undefined && /^-?\d+$/.test(n.value) ? BigInt(n.value) : undefined;
    case "DeclRefExpr":
      return n.referencedDecl?.kind === "EnumConstantDecl" ? enums.get(n.referencedDecl.id ?? "") : undefined;
    case "UnaryOperator": {
      const v = n.inner?.[0] ? evalConst(n.inner[0], enums) : undefined;
      if (v === undefined) return undefined;
      if (n.opcode === "-") return -v;
      if (n.opcode === "+") return v;
      return undefined;
    }
    default:
      return undefined;
  }
}
