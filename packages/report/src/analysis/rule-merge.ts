// What rules.nft and rules.txt hold: every enforceable key (blocked, not probably legitimate), with neighbours
// on the same port merged into a covering prefix where that is safe. Merging is conservative by design
// (docs/report.md, "Exports"):
// - a merged prefix is at most a /24 (IPv4) or /48 (IPv6), the report's roll-up sizes, and at least one bit
//   wider than a key (so IPv4 /25../31, IPv6 /48../63 for /64 keys);
// - it covers at least two enforceable keys that fill more than half of its address space, so the addresses
//   it adds that were never seen are fewer than the keys it covers (a /31 needs both addresses, a /30 three);
// - no other key with traffic in the window (unblocked, allowlisted or probably legitimate, on the same port or
//   on "any port") falls inside it: asked of the per-key table in DuckDB, which stays there whatever its size.
// The same check runs on every unmerged key: one that overlaps other traffic (an any-port key over an address
// with unblocked traffic on a port, say) is withheld from the exports and named.
import type { DuckDBConnection } from "@duckdb/node-api";
import { type Family, formatPrefix, maxPrefixLen } from "@ibsr/contract";
import { insertRows } from "../ingest/duckdb.js";
import { EXPORT_CONFLICTS_SQL } from "../ingest/queries/exports.js";
import type { ExportEntry, KeyRef, RuleExports, WithheldExport } from "../model.js";
import { isHealthy } from "./decide.js";
import { isBlocked } from "./key-decision.js";
import { type KeySim, keyFlags } from "./simulate.js";

/** The widest merged prefix per family. */
export const MERGE_MIN_LEN: Readonly<Record<Family, number>> = { 4: 24, 6: 48 };
/** The narrowest merged prefix per family: one bit wider than an IPv4 address or an IPv6 /64 key. */
const MERGE_MAX_LEN: Readonly<Record<Family, number>> = { 4: 31, 6: 63 };
/** A merged prefix's keys fill more than this share of its address space. */
export const MERGE_MIN_FILL = 0.5;

/** Enforceable: blocked (hot, not allowlisted) and not probably legitimate (SourceRow.healthyBlocked). */
export function isEnforceable(s: KeySim): boolean {
  return s.cls !== null && isBlocked(keyFlags(s)) && !isHealthy(s);
}

interface Leaf {
  family: Family;
  /** The address as a 128-bit number (IPv4 in the leading 32 bits). */
  v: bigint;
  len: number;
  port: number;
  src: Uint8Array;
}

interface Node {
  family: Family;
  port: number;
  v: bigint;
  len: number;
  leaves: Leaf[];
}

function value128(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = 0; i < 16; i++) v = (v << 8n) | BigInt(bytes[i] ?? 0);
  return v;
}

function bytes128(v: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

const netOf = (v: bigint, len: number) => (len === 0 ? 0n : (v >> BigInt(128 - len)) << BigInt(128 - len));
const bitAt = (v: bigint, i: number) => (v >> BigInt(127 - i)) & 1n;

/** A node can merge: two keys or more, all narrower than it, filling more than MERGE_MIN_FILL of it. */
function mergeable(n: Node): boolean {
  if (n.leaves.length < 2 || n.leaves.some((l) => l.len <= n.len)) return false;
  let fill = 0;
  for (const l of n.leaves) fill += 2 ** (n.len - l.len);
  return fill > MERGE_MIN_FILL;
}

/**
 * Walks the prefix tree of one bucket (a /24 or /48 on one port) from the top; `take(node)` says whether to
 * emit a mergeable node whole. Returns the nodes emitted: merged prefixes and single keys.
 */
function walk(n: Node, take: (n: Node) => boolean, out: Node[]): void {
  if (mergeable(n) && take(n)) {
    out.push(n);
    return;
  }
  const stop =
    n.leaves.length < 2 || n.len >= MERGE_MAX_LEN[n.family] || n.leaves.some((l) => l.len <= n.len);
  if (stop) {
    for (const l of n.leaves) out.push({ family: l.family, port: l.port, v: l.v, len: l.len, leaves: [l] });
    return;
  }
  const halves: [Leaf[], Leaf[]] = [[], []];
  for (const l of n.leaves) halves[Number(bitAt(l.v, n.len))]!.push(l);
  for (let b = 0; b < 2; b++) {
    const leaves = halves[b]!;
    if (leaves.length === 0) continue;
    const v = n.v | (BigInt(b) << BigInt(127 - n.len));
    walk({ family: n.family, port: n.port, v, len: n.len + 1, leaves }, take, out);
  }
}

/** The roots: one node per (family, port, /24 or /48), and every key too wide to sit in one. */
function roots(leaves: readonly Leaf[]): { buckets: Node[]; wide: Leaf[] } {
  const buckets = new Map<string, Node>();
  const wide: Leaf[] = [];
  for (const l of leaves) {
    const len = MERGE_MIN_LEN[l.family];
    if (l.len <= len) {
      wide.push(l);
      continue;
    }
    const v = netOf(l.v, len);
    const id = `${l.family}|${l.port}|${v}`;
    const n = buckets.get(id) ?? { family: l.family, port: l.port, v, len, leaves: [] };
    buckets.set(id, n);
    n.leaves.push(l);
  }
  return { buckets: [...buckets.values()], wide };
}

const keyText = (n: { family: Family; v: bigint; len: number }) =>
  formatPrefix({ family: n.family, bytes: bytes128(n.v), prefixLen: n.len });

function keyRefOfLeaf(l: Leaf): KeyRef {
  const text = keyText(l);
  const host = l.family === 6 ? `[${text}]` : text;
  return {
    family: l.family,
    src: text,
    prefixLen: l.len,
    dstPort: l.port,
    display: l.port === 0 ? host : `${host}:${l.port}`,
  };
}

function cidrOf(n: { family: Family; v: bigint; len: number }): string {
  const text = keyText(n);
  return n.len === maxPrefixLen(n.family) ? `${text}/${n.len}` : text;
}

/** Export order: IPv4 first, then port, then address, then prefix length (a container before its contents). */
function compareNodes(a: Node, b: Node): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.port !== b.port) return a.port - b.port;
  if (a.v !== b.v) return a.v < b.v ? -1 : 1;
  return a.len - b.len;
}

/**
 * The entries of rules.nft and rules.txt for `sims`, merged where safe. Call after the key table exists
 * (keys_v); it leaves two temp tables behind (export_keys_t, export_check_t).
 */
export async function exportEntries(c: DuckDBConnection, sims: readonly KeySim[]): Promise<RuleExports> {
  const leaves: Leaf[] = sims.filter(isEnforceable).map((s) => {
    const k = s.cand.key;
    return { family: k.family, v: value128(k.src), len: k.prefixLen, port: k.dstPort, src: k.src };
  });
  const { buckets, wide } = roots(leaves);

  // Pass 1: every node that could merge, and every key, to be checked against the other traffic at once.
  const check: Node[] = [];
  for (const b of buckets)
    walk(
      b,
      (n) => {
        check.push(n);
        return false;
      },
      [],
    );
  for (const l of leaves) check.push({ family: l.family, port: l.port, v: l.v, len: l.len, leaves: [l] });
  await insertRows(
    c,
    "export_keys_t",
    ["family TINYINT", "src BLOB", "prefix_len SMALLINT", "dst_port INTEGER"],
    leaves.map((l) => [l.family, l.src, l.len, l.port]),
  );
  await insertRows(
    c,
    "export_check_t",
    ["cid BIGINT", "family TINYINT", "port INTEGER", "len SMALLINT", "net BLOB"],
    check.map((n, i) => [i, n.family, n.port, n.len, bytes128(n.v)]),
  );
  const conflicts = (
    await c.runAndReadAll(EXPORT_CONFLICTS_SQL, { v4_bucket: MERGE_MIN_LEN[4], v6_bucket: MERGE_MIN_LEN[6] })
  ).getRowObjectsJS() as unknown as { cid: bigint }[];
  const bad = new Set(conflicts.map((r) => Number(r.cid)));
  const clean = new Set<string>();
  const nodeId = (n: Node) => `${n.family}|${n.port}|${n.v}|${n.len}`;
  check.forEach((n, i) => {
    if (!bad.has(i)) clean.add(nodeId(n));
  });

  // Pass 2: the widest clean mergeable node of each branch; every other key alone, if it is clean itself.
  const chosen: Node[] = [];
  for (const b of buckets) walk(b, (n) => clean.has(nodeId(n)), chosen);
  for (const l of wide) chosen.push({ family: l.family, port: l.port, v: l.v, len: l.len, leaves: [l] });
  chosen.sort(compareNodes);

  const entries: ExportEntry[] = [];
  const withheld: WithheldExport[] = [];
  let last: { node: Node; entry: ExportEntry } | null = null;
  for (const n of chosen) {
    if (n.leaves.length === 1 && !clean.has(nodeId(n))) {
      withheld.push({
        ...keyRefOfLeaf(n.leaves[0]!),
        reason: "overlaps traffic of an unblocked or probably legitimate key",
      });
      continue;
    }
    // A key inside an entry just written (an IPv4 address inside a legacy /24 key on the same port): one
    // element, since nftables refuses overlapping interval elements.
    const p = last?.node;
    if (
      p &&
      last &&
      p.family === n.family &&
      p.port === n.port &&
      p.len <= n.len &&
      netOf(n.v, p.len) === p.v
    ) {
      last.entry.keys += n.leaves.length;
      continue;
    }
    const entry: ExportEntry = {
      family: n.family,
      cidr: cidrOf(n),
      prefixLen: n.len,
      dstPort: n.port,
      keys: n.leaves.length,
    };
    entries.push(entry);
    last = { node: n, entry };
  }
  return {
    entries,
    keys: entries.reduce((a, e) => a + e.keys, 0),
    merged: entries.filter((e) => e.keys > 1).length,
    withheld,
  };
}
