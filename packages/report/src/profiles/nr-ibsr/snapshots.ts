// The reference conformance loader (spec §1, §2.2): every `*.jsonl` directly in a directory, read whole as
// UTF-8, one snapshot per non-blank line, parsed as strictly as serde does; any bad line is fatal. Snapshots
// are then stably sorted by ts. Files are taken in name order (the reference uses raw read_dir order, which
// only matters for equal timestamps across files).
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { EXIT, type ExitCode, ReportError } from "../../exit-codes.js";
import { pushAll } from "../../util.js";
import { parseIpv4 } from "./ipv4.js";
import {
  describeRaw,
  parseStrictJson,
  type RawJson,
  rawUnsigned,
  U16_MAX,
  U32_MAX,
  U64_MAX,
} from "./strict-json.js";

export type KeyType = "src_ip" | "src_cidr24";

export interface Bucket {
  keyType: KeyType;
  /** IPv4 as u32, as written (for src_cidr24 too: normally the network address, but not enforced). */
  keyValue: number;
  dstPort: number | undefined;
  syn: bigint;
  ack: bigint;
  handshakeAck: bigint;
  rst: bigint;
  packets: bigint;
  bytes: bigint;
}

export interface Snapshot {
  version: number;
  tsUnixSec: bigint;
  intervalSec: number;
  runId: bigint;
  baseTsUnixSec: bigint;
  dstPorts: number[];
  buckets: Bucket[];
  file: string;
  line: number;
}

export const ACCEPTED_VERSIONS: readonly number[] = [5, 6, 7];

/**
 * A snapshot line or file the loader refuses, with file:line and the reason: exit 2 (no usable input) for bad
 * content, exit 1 for a file that cannot be read.
 */
export class SnapshotLoadError extends ReportError {
  override name = "SnapshotLoadError";
  constructor(message: string, exitCode: ExitCode = EXIT.USAGE) {
    super(exitCode, message);
  }
}

/** Rust's str::trim: Unicode White_Space only. Unlike JS trim it keeps U+FEFF (a BOM-prefixed line fails). */
const RUST_WS =
  "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
export function rustTrim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && RUST_WS.includes(s[a]!)) a++;
  while (b > a && RUST_WS.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** Reads declared members of an object: duplicates of a declared member are an error, like serde derive. */
function declared(
  v: RawJson,
  what: string,
  known: readonly string[],
  denyUnknown: boolean,
): Map<string, RawJson> {
  if (v.t !== "obj") throw new TypeError(`invalid type: expected ${what} object`);
  const out = new Map<string, RawJson>();
  for (const [k, x] of v.members) {
    if (!known.includes(k)) {
      if (denyUnknown)
        throw new TypeError(
          `unknown field \`${k}\`, expected one of ${known.map((n) => `\`${n}\``).join(", ")}`,
        );
      continue;
    }
    if (out.has(k)) throw new TypeError(`duplicate field \`${k}\``);
    out.set(k, x);
  }
  return out;
}

function required(m: Map<string, RawJson>, field: string): RawJson {
  const v = m.get(field);
  if (v === undefined) throw new TypeError(`missing field \`${field}\``);
  return v;
}

function str(v: RawJson, field: string): string {
  if (v.t !== "str") throw new TypeError(`${field}: invalid type, expected a string`);
  return v.v;
}

const TOP_FIELDS = [
  "version",
  "aggregation",
  "ts_unix_sec",
  "interval_sec",
  "run_id",
  "counter_mode",
  "base_ts_unix_sec",
  "dst_ports",
  "buckets",
  "resp_aggregates",
  "host",
] as const;
const BUCKET_FIELDS = [
  "key_type",
  "src_ip",
  "dst_port",
  "syn",
  "ack",
  "handshake_ack",
  "rst",
  "packets",
  "bytes",
] as const;

function parseBucket(v: RawJson, index: number): Bucket {
  const m = declared(v, `buckets[${index}]`, BUCKET_FIELDS, true);
  const at = (f: string): string => `buckets[${index}].${f}`;
  const kt = str(required(m, "key_type"), at("key_type"));
  if (kt !== "src_ip" && kt !== "src_cidr24") {
    throw new TypeError(
      `${at("key_type")}: unknown variant \`${kt}\`, expected \`src_ip\` or \`src_cidr24\``,
    );
  }
  const ipText = str(required(m, "src_ip"), at("src_ip"));
  const ip = parseIpv4(ipText);
  if (ip === undefined) throw new TypeError(`${at("src_ip")}: invalid IP address: ${ipText}`);
  const portRaw = m.get("dst_port");
  // An explicit null is rejected: the reference reads the member as a plain u16 when it is present.
  const dstPort = portRaw === undefined ? undefined : Number(rawUnsigned(portRaw, at("dst_port"), U16_MAX));
  const u32 = (f: string): bigint => rawUnsigned(required(m, f), at(f), U32_MAX);
  return {
    keyType: kt,
    // A src_cidr24 address is kept as written (the reference's schema crate does not mask it to the /24).
    keyValue: ip,
    dstPort,
    syn: u32("syn"),
    ack: u32("ack"),
    handshakeAck: u32("handshake_ack"),
    rst: u32("rst"),
    packets: u32("packets"),
    bytes: rawUnsigned(required(m, "bytes"), at("bytes"), U64_MAX),
  };
}

type FieldType = "u32" | "u64" | "i64" | "f64";

// v6/v7 blocks the reporter ignores but the reference still type-checks: a wrongly typed member rejects the line.
const RESP_AGGREGATES_FIELDS: Record<string, FieldType> = {
  count: "u64",
  resp_bytes_total: "u64",
  req_bytes_max: "u64",
  resp_bytes_max: "u64",
  amp_ratio_mean: "f64",
  amp_ratio_median: "f64",
  amp_ratio_max: "f64",
  unique_dst_ports: "u32",
  unique_src_ports: "u32",
  duration_ns_mean: "u64",
  duration_ns_max: "u64",
  status_2xx_frac: "f64",
  status_4xx_frac: "f64",
  status_5xx_frac: "f64",
  rpc_error_distinct_codes: "u32",
  rpc_error_frac: "f64",
  req_bytes_mean: "f64",
  resp_bytes_mean: "f64",
};
const HOST_FIELDS: Record<string, FieldType> = {
  cpu_mean: "f64",
  cpu_max: "f64",
  rss_delta: "i64",
  rss_max: "u64",
  rss_slope_bps: "f64",
  num_fds_delta: "i64",
  num_connections_delta: "i64",
  num_connections_max: "u32",
  io_write_delta: "i64",
};
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

function checkTyped(v: RawJson, field: string, type: FieldType): void {
  if (type === "f64") {
    if (v.t !== "num") throw new TypeError(`${field}: invalid type: ${describeRaw(v)}, expected f64`);
    return;
  }
  if (type === "i64") {
    const n = v.t === "num" && v.integer ? BigInt(v.text) : undefined;
    if (n === undefined || n < I64_MIN || n > I64_MAX)
      throw new TypeError(`${field}: invalid type: ${describeRaw(v)}, expected i64`);
    return;
  }
  rawUnsigned(v, field, type === "u32" ? U32_MAX : U64_MAX);
}

/** An optional (null or absent) object whose members are typed; unknown members are ignored. */
function checkOptionalBlock(
  v: RawJson | undefined,
  what: string,
  fields: Record<string, FieldType>,
  requiredFields: readonly string[],
): void {
  if (v === undefined || v.t === "null") return;
  const m = declared(v, what, Object.keys(fields), false);
  for (const f of requiredFields) if (!m.has(f)) throw new TypeError(`${what}: missing field \`${f}\``);
  for (const [f, x] of m) {
    // Every member but the required ones is an Option: null is None.
    if (x.t === "null" && !requiredFields.includes(f)) continue;
    checkTyped(x, `${what}.${f}`, fields[f]!);
  }
}

/** One snapshot line (already trimmed), as the reference's schema crate accepts it. */
export function parseSnapshotLine(text: string, file: string, line: number): Snapshot {
  const m = declared(parseStrictJson(text), "snapshot", TOP_FIELDS, false);
  const u64 = (f: string): bigint => rawUnsigned(required(m, f), f, U64_MAX);
  const u32 = (f: string): number => Number(rawUnsigned(required(m, f), f, U32_MAX));
  const version = u32("version");
  str(required(m, "aggregation"), "aggregation");
  const tsUnixSec = u64("ts_unix_sec");
  const intervalSec = u32("interval_sec");
  const runId = u64("run_id");
  str(required(m, "counter_mode"), "counter_mode");
  const baseTsUnixSec = u64("base_ts_unix_sec");
  const portsRaw = required(m, "dst_ports");
  if (portsRaw.t !== "arr") throw new TypeError("dst_ports: invalid type, expected a sequence");
  const dstPorts = portsRaw.items.map((p, i) => Number(rawUnsigned(p, `dst_ports[${i}]`, U16_MAX)));
  const bucketsRaw = required(m, "buckets");
  if (bucketsRaw.t !== "arr") throw new TypeError("buckets: invalid type, expected a sequence");
  const buckets = bucketsRaw.items.map(parseBucket);
  checkOptionalBlock(m.get("resp_aggregates"), "resp_aggregates", RESP_AGGREGATES_FIELDS, [
    "count",
    "resp_bytes_total",
  ]);
  checkOptionalBlock(m.get("host"), "host", HOST_FIELDS, []);
  if (!ACCEPTED_VERSIONS.includes(version)) {
    throw new TypeError(
      `schema version mismatch: expected one of ${ACCEPTED_VERSIONS.join(", ")}, found ${version}`,
    );
  }
  return { version, tsUnixSec, intervalSec, runId, baseTsUnixSec, dstPorts, buckets, file, line };
}

/** All snapshots of one file's text; the first bad line throws with file:line. */
export function parseSnapshotText(text: string, file: string): Snapshot[] {
  const out: Snapshot[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let raw = lines[i]!;
    if (raw.endsWith("\r")) raw = raw.slice(0, -1);
    const t = rustTrim(raw);
    if (t === "") continue;
    try {
      out.push(parseSnapshotLine(t, file, i + 1));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new SnapshotLoadError(
        `${file}:${i + 1}: not a valid reference snapshot (schema v5-v7): ${why} (the nr-ibsr profile, like the reference conformance loader, stops at the first bad line; fix or remove it)`,
      );
    }
  }
  return out;
}

async function readUtf8(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SnapshotLoadError(`failed to read file ${path}: ${e.code ?? ""} ${e.message}`.trim(), EXIT.IO);
  }
  try {
    // ignoreBOM keeps a leading U+FEFF, as Rust's read_to_string does.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new SnapshotLoadError(`failed to read file ${path}: stream did not contain valid UTF-8`, EXIT.IO);
  }
}

/** `*.jsonl` entries directly inside `dir` (extension exactly "jsonl", as Rust's Path::extension sees it). */
async function jsonlEntries(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => {
    const ext = extname(n);
    return ext === ".jsonl" && basename(n, ext) !== "";
  });
  return names.sort().map((n) => join(dir, n));
}

/**
 * Loads snapshots from inputs: a directory contributes its `*.jsonl` files (non-recursive; a conformance
 * fixture directory without any contributes its `snapshots/` folder), a file is read as it is.
 */
export async function loadSnapshots(inputs: readonly string[]): Promise<Snapshot[]> {
  const files: string[] = [];
  for (const input of inputs) {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(input);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new SnapshotLoadError(
        `input ${input} cannot be read: ${e.code ?? e.message} (pass a directory of *.jsonl snapshots or a .jsonl file)`,
      );
    }
    if (!st.isDirectory()) {
      files.push(input);
      continue;
    }
    let found = await jsonlEntries(input);
    if (found.length === 0) {
      const sub = join(input, "snapshots");
      const subSt = await stat(sub).catch(() => undefined);
      if (subSt?.isDirectory()) found = await jsonlEntries(sub);
    }
    pushAll(files, found);
  }
  const all: Snapshot[] = [];
  for (const f of files) pushAll(all, parseSnapshotText(await readUtf8(f), f));
  if (all.length === 0) {
    throw new SnapshotLoadError(
      `no snapshots found in ${inputs.join(", ")} (expected *.jsonl files with reference snapshot lines)`,
    );
  }
  // Array.prototype.sort is stable: equal timestamps keep file-then-line order, as in the reference.
  all.sort((a, b) => (a.tsUnixSec < b.tsUnixSec ? -1 : a.tsUnixSec > b.tsUnixSec ? 1 : 0));
  return all;
}
