// `ibsr-collect verify [object] [--source file.c] [--json]`: runs the safety verifier's object layer
// on a compiled object and, when asked, the source layer on its C file. Exit code: 0 safe, 4 unsafe,
// 3 input unreadable (missing file, not a BPF ELF, clang cannot parse the source): exit-codes.ts.

import { ExitCode } from "../exit-codes.js";
import { BpfObjectFileError, defaultObjectPath, readObject } from "../kernel/file.js";
import type { Finding } from "../safety/findings.js";
import { helperName } from "../safety/insn.js";
import { UnreadableObjectError, type VerifyResult, verifyObject } from "../safety/object.js";
import { SourceParseError, type SourceResult, verifySource } from "../safety/source.js";

// The collector's one exit-code table: the same numbers whether `run` or `verify` refuses an object.
export const VerifyExit = {
  SAFE: ExitCode.OK,
  UNSAFE: ExitCode.UNSAFE_OBJECT,
  UNREADABLE: ExitCode.ENVIRONMENT,
} as const;

export interface VerifyCommandOptions {
  object?: string;
  source?: string;
  json?: boolean;
}

interface ObjectReport {
  path: string;
  ok: boolean;
  ms: number;
  error?: string;
  result?: VerifyResult;
}
interface SourceReport {
  path: string;
  ok: boolean;
  ms: number;
  error?: string;
  result?: SourceResult;
}

/** Output sinks, injectable for tests. */
export interface VerifyOutput {
  out(line: string): void;
  err(line: string): void;
}
const stdio: VerifyOutput = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

export async function verifyCommand(opts: VerifyCommandOptions, io: VerifyOutput = stdio): Promise<number> {
  // With only --source, check only the source; otherwise the object (default path if none given).
  const objectPath = opts.object ?? (opts.source === undefined ? defaultObjectPath() : undefined);
  let object: ObjectReport | undefined;
  let source: SourceReport | undefined;

  if (objectPath !== undefined) {
    const t0 = performance.now();
    try {
      const bytes = readObject(objectPath);
      const result = verifyObject(bytes);
      object = { path: objectPath, ok: result.ok, ms: performance.now() - t0, result };
    } catch (err) {
      if (!(err instanceof BpfObjectFileError || err instanceof UnreadableObjectError)) throw err;
      object = { path: objectPath, ok: false, ms: performance.now() - t0, error: err.message };
    }
  }
  if (opts.source !== undefined) {
    const t0 = performance.now();
    try {
      const result = await verifySource(opts.source);
      source = { path: opts.source, ok: result.ok, ms: performance.now() - t0, result };
    } catch (err) {
      if (!(err instanceof SourceParseError)) throw err;
      source = { path: opts.source, ok: false, ms: performance.now() - t0, error: err.message };
    }
  }

  const unreadable = Boolean(object?.error ?? source?.error);
  const ok = (object?.ok ?? true) && (source?.ok ?? true);
  const code = unreadable ? VerifyExit.UNREADABLE : ok ? VerifyExit.SAFE : VerifyExit.UNSAFE;

  if (opts.json) {
    io.out(JSON.stringify({ ok, exitCode: code, object: object ?? null, source: source ?? null }, null, 2));
    return code;
  }
  if (object) printObject(object, io);
  if (source) printSource(source, io);
  return code;
}

function printFindings(findings: Finding[], io: VerifyOutput): void {
  for (const f of findings) io.out(`  ${f.message}`);
}

/** The report's result, or null after printing why the file could not be read. */
function readable<R>(r: { path: string; error?: string; result?: R | null }, io: VerifyOutput): R | null {
  if (r.error !== undefined || !r.result) {
    io.err(`verify: ${r.path}: UNREADABLE: ${r.error ?? "no result"}`);
    return null;
  }
  return r.result;
}

function printObject(r: ObjectReport, io: VerifyOutput): void {
  const ms = `${r.ms.toFixed(1)} ms`;
  const result = readable(r, io);
  if (!result) return;
  const p = result.program;
  const prog = p
    ? `program ${p.name} in section ${p.section}, ${p.insns} instructions, ${p.exits} exit(s), helpers ${p.helpers.map((h) => helperName(h)).join(", ") || "none"}`
    : "no program";
  if (result.ok) io.out(`verify: ${r.path}: SAFE (object layer: ${prog}; ${ms})`);
  else
    io.out(`verify: ${r.path}: UNSAFE, ${result.findings.length} finding(s) (object layer: ${prog}; ${ms})`);
  printFindings(result.findings, io);
  for (const m of result.maps) {
    const size = `${m.keySize ?? "?"}-byte key, ${m.valueSize ?? "?"}-byte value, max_entries ${m.maxEntries ?? "?"}`;
    io.out(`  map ${m.name}: ${m.typeName}, ${size}${m.internal ? " (global data)" : ""}`);
  }
}

function printSource(r: SourceReport, io: VerifyOutput): void {
  const ms = `${r.ms.toFixed(0)} ms`;
  const result = readable(r, io);
  if (!result) return;
  const what = `source layer: ${result.programs.length} program(s), ${result.maps.length} map(s); ${ms}`;
  if (result.ok) io.out(`verify: ${r.path}: SAFE (${what})`);
  else io.out(`verify: ${r.path}: UNSAFE, ${result.findings.length} finding(s) (${what})`);
  printFindings(result.findings, io);
}
