// Reader for the reference collector's JSONL snapshots (schema versions 3-7), plain or gzipped.
// Lenient on purpose: one bad line becomes a skip record with file, line and reason, and the
// rest of the file is still read. Lines are streamed, so a file is never held in memory whole.

import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { ADDRESS_BYTES, AddressParseError, ipv4FromU32, maskBytes, parseAddress } from "@ibsr/contract";

export const LEGACY_MIN_VERSION = 3;
export const LEGACY_MAX_VERSION = 7;

/** The counters the reference collector kept (no synack or fin). */
export const LEGACY_COUNTERS = ["syn", "ack", "handshake_ack", "rst", "packets", "bytes"] as const;
export type LegacyCounter = (typeof LEGACY_COUNTERS)[number];

export type LegacyKeyType = "src_ip" | "src_cidr24";

export type LegacyBucket = {
  keyType: LegacyKeyType;
  family: 4;
  /** 16 bytes, big-endian, IPv4 in bytes 0..3; masked to prefixLen. */
  addr: Uint8Array;
  /** 32 for src_ip, 24 for src_cidr24. */
  prefixLen: 32 | 24;
  /** null: the bucket carried no dst_port, meaning any monitored port. */
  dstPort: number | null;
} & Record<LegacyCounter, number>;

export interface LegacySnapshot {
  version: number;
  /** ts_unix_sec. */
  ts: number;
  /** run_id as decimal text (v5+), else null. */
  runId: string | null;
  /** interval_sec (v5+), else null. */
  intervalSec: number | null;
  /** base_ts_unix_sec (v5+), else null. */
  baseTs: number | null;
  dstPorts: number[];
  buckets: LegacyBucket[];
}

export type LegacyRecord =
  | { kind: "snapshot"; file: string; line: number; snapshot: LegacySnapshot }
  | { kind: "skip"; file: string; line: number; reason: string }
  | { kind: "status"; file: string; line: number };

export interface ReadLegacyOptions {
  /** Stop early when aborted (the iterator ends without error). */
  signal?: AbortSignal;
}

/** True for the reference collector's heartbeat file name (status.jsonl, rotated or gzipped copies too). */
export function isStatusFileName(path: string): boolean {
  return /^status\.jsonl(\.\d+)?(\.gz)?$/.test(basename(path));
}

/**
 * Streams every line of `path` as a record. Gzip is recognised by its magic bytes in the first chunk
 * of the stream (whatever the name), so pipes and FIFOs work too. A file that cannot be opened, or a
 * corrupt gzip stream, yields one skip record (line 0 for the file itself, else the line after the
 * last good one) instead of throwing.
 */
export async function* readLegacySnapshots(
  path: string,
  opts: ReadLegacyOptions = {},
): AsyncGenerator<LegacyRecord> {
  const raw = createReadStream(path);
  let head: Buffer | null;
  try {
    head = await peekStart(raw);
  } catch (e) {
    raw.destroy();
    yield { kind: "skip", file: path, line: 0, reason: `cannot read file: ${errText(e)}` };
    return;
  }
  // An empty file has already emitted 'end': nothing to read, and readline would wait forever.
  if (head === null) return;
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  raw.unshift(head);
  let stream: Readable = raw;
  let streamError: unknown = null;
  raw.on("error", (e) => {
    streamError ??= e;
  });
  if (gzip) {
    const gunzip = createGunzip();
    gunzip.on("error", (e) => {
      streamError ??= e;
    });
    stream = raw.pipe(gunzip);
  }
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  // readline does not end on a source error; closing it on error ends the loop below.
  stream.on("error", () => lines.close());
  raw.on("error", () => lines.close());
  const statusFile = isStatusFileName(path);
  let n = 0;
  try {
    for await (const text of lines) {
      if (opts.signal?.aborted) break;
      n++;
      if (text.trim().length === 0) continue;
      yield parseLegacyLine(n === 1 ? stripBom(text) : text, path, n, statusFile);
    }
  } catch (e) {
    streamError ??= e;
  } finally {
    lines.close();
    raw.destroy();
  }
  if (streamError) {
    const what = gzip ? "gzip stream" : "read";
    yield {
      kind: "skip",
      file: path,
      line: n + 1,
      reason: `${what} failed after line ${n}: ${errText(streamError)}`,
    };
  }
}

// The first chunk of the stream (null for an empty file); the caller unshifts it back. Opening errors (ENOENT, EACCES, EISDIR) surface here.
function peekStart(s: Readable): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      s.off("readable", onReadable);
      s.off("error", onError);
      s.off("end", onEnd);
    };
    const onReadable = () => {
      // Whatever is buffered (a whole first chunk for a file; a pipe could in theory deliver one byte).
      const chunk = s.read() as Buffer | null;
      if (chunk === null) return;
      cleanup();
      resolve(chunk);
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    s.on("readable", onReadable);
    s.on("error", onError);
    s.on("end", onEnd);
  });
}

function errText(e: unknown): string {
  if (e && typeof e === "object" && "code" in e && "message" in e)
    return `${String(e.code)}: ${String(e.message)}`;
  return e instanceof Error ? e.message : String(e);
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

class LineError extends Error {}

/**
 * Parses one line. `statusFile` marks lines from a status.jsonl: objects there without `buckets`
 * are heartbeats. Elsewhere a heartbeat is recognised by its `cycle` member and missing `buckets`.
 */
export function parseLegacyLine(text: string, file: string, line: number, statusFile = false): LegacyRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const reason = text.trim().length === 0 ? "empty line" : `invalid JSON (${jsonErrorText(e)})`;
    return { kind: "skip", file, line, reason };
  }
  if (!isObject(value)) {
    return { kind: "skip", file, line, reason: `not a JSON object (found ${typeName(value)})` };
  }
  if (!("buckets" in value) && (statusFile || "cycle" in value)) return { kind: "status", file, line };
  try {
    return { kind: "snapshot", file, line, snapshot: toSnapshot(value, text) };
  } catch (e) {
    if (e instanceof LineError) return { kind: "skip", file, line, reason: e.message };
    throw e;
  }
}

function toSnapshot(o: Record<string, unknown>, text: string): LegacySnapshot {
  const version = requireInt(o, "version", "");
  if (version < LEGACY_MIN_VERSION || version > LEGACY_MAX_VERSION) {
    throw new LineError(
      `unsupported schema version ${version} (this reader accepts ${LEGACY_MIN_VERSION}-${LEGACY_MAX_VERSION})`,
    );
  }
  const ts = requireInt(o, "ts_unix_sec", "");
  const dstPorts: number[] = [];
  if (o.dst_ports !== undefined && o.dst_ports !== null) {
    if (!Array.isArray(o.dst_ports))
      throw new LineError(`dst_ports is ${typeName(o.dst_ports)} (expected an array)`);
    o.dst_ports.forEach((p, i) => {
      dstPorts.push(checkPort(p, `dst_ports[${i}]`));
    });
  }
  const intervalSec = optionalInt(o, "interval_sec", "");
  const baseTs = optionalInt(o, "base_ts_unix_sec", "");
  const runId = readRunId(o, text);
  if (!Array.isArray(o.buckets)) {
    throw new LineError(
      o.buckets === undefined ? "missing buckets" : `buckets is ${typeName(o.buckets)} (expected an array)`,
    );
  }
  // One shared address buffer per snapshot: a 100 k-bucket line makes one allocation, not 100 k.
  const addrs = new Uint8Array(o.buckets.length * ADDRESS_BYTES);
  const buckets = o.buckets.map((b, i) => toBucket(b, i, version, addrs.subarray(i * 16, i * 16 + 16)));
  return { version, ts, runId, intervalSec, baseTs, dstPorts, buckets };
}

function toBucket(b: unknown, i: number, version: number, addr: Uint8Array): LegacyBucket {
  const where = `bucket ${i}: `;
  if (!isObject(b)) throw new LineError(`${where}not an object (found ${typeName(b)})`);
  const keyType = b.key_type ?? "src_ip";
  if (keyType !== "src_ip" && keyType !== "src_cidr24") {
    throw new LineError(`${where}key_type ${JSON.stringify(keyType)} (expected "src_ip" or "src_cidr24")`);
  }
  const prefixLen = keyType === "src_cidr24" ? 24 : 32;
  // v3 carried the address as a u32; v4 replaced it by a dotted string. Accept the other as a fallback.
  const useNumeric =
    version === 3 ? b.key_value !== undefined : b.src_ip === undefined && b.key_value !== undefined;
  let bytes: Uint8Array;
  if (useNumeric) {
    const v = b.key_value;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new LineError(
        `${where}key_value ${JSON.stringify(v)} (expected an IPv4 address as an integer 0-4294967295)`,
      );
    }
    bytes = ipv4FromU32(v).bytes;
  } else {
    const s = b.src_ip;
    if (typeof s !== "string") {
      throw new LineError(
        s === undefined
          ? `${where}missing src_ip`
          : `${where}src_ip is ${typeName(s)} (expected a dotted IPv4 string)`,
      );
    }
    try {
      const p = parseAddress(s);
      if (p.family !== 4) throw new LineError(`${where}src_ip ${JSON.stringify(s)} is not IPv4`);
      bytes = p.bytes;
    } catch (e) {
      if (e instanceof AddressParseError) throw new LineError(`${where}src_ip: ${e.message}`);
      throw e;
    }
  }
  addr.set(maskBytes(bytes, 4, prefixLen));
  let dstPort: number | null = null;
  if (b.dst_port !== undefined && b.dst_port !== null) dstPort = checkPort(b.dst_port, `${where}dst_port`);
  const counters = {} as Record<LegacyCounter, number>;
  for (const c of LEGACY_COUNTERS) counters[c] = requireInt(b, c, where);
  return { keyType, family: 4, addr, prefixLen, dstPort, ...counters };
}

// Counters beyond 2^53 - 1 cannot be held exactly in a JS number (JSON.parse already rounded them),
// so such a line is skipped with that reason rather than summed with a silently wrong value.
function requireInt(o: Record<string, unknown>, key: string, where: string): number {
  const v = o[key];
  if (v === undefined) throw new LineError(`${where}missing ${key}`);
  return checkInt(v, `${where}${key}`);
}

function optionalInt(o: Record<string, unknown>, key: string, where: string): number | null {
  const v = o[key];
  return v === undefined || v === null ? null : checkInt(v, `${where}${key}`);
}

function checkInt(v: unknown, what: string): number {
  if (typeof v !== "number")
    throw new LineError(`${what} is ${typeName(v)} (expected a non-negative integer)`);
  if (!Number.isInteger(v)) throw new LineError(`${what} is ${v} (expected a non-negative integer)`);
  if (v < 0) throw new LineError(`${what} is ${v} (expected a non-negative integer)`);
  if (!Number.isSafeInteger(v)) {
    throw new LineError(
      `${what} is ${v}, beyond 2^53-1: it cannot be represented exactly, so the line is skipped`,
    );
  }
  return v;
}

function checkPort(v: unknown, what: string): number {
  const n = checkInt(v, what);
  if (n > 65535) throw new LineError(`${what} is ${n} (expected a port 0-65535)`);
  return n;
}

// run_id is a u64: a value beyond 2^53 is recovered exactly from the line's text.
function readRunId(o: Record<string, unknown>, text: string): string | null {
  const v = o.run_id;
  if (v === undefined || v === null) return null;
  if (typeof v === "string" && v.length > 0) return v;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new LineError(
      `run_id is ${typeof v === "number" ? v : typeName(v)} (expected a non-negative integer)`,
    );
  }
  if (Number.isSafeInteger(v)) return String(v);
  const m = /"run_id"\s*:\s*(\d+)/.exec(text);
  if (!m) throw new LineError(`run_id ${v} is beyond 2^53-1 and its digits could not be recovered`);
  return m[1]!;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `a string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === "object") return "an object";
  return `a ${typeof v}`;
}

/**
 * V8's JSON.parse message without the " (line L column C)" Node 22+ appends: a skip reason must read the same
 * on every supported Node, and the character position is already in the message.
 */
function jsonErrorText(e: unknown): string {
  return (e as Error).message.replace(/ \(line \d+ column \d+\)$/, "");
}
