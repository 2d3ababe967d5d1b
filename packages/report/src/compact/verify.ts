// The read-back check of a written compacted file, before it is renamed in (compact-day.ts).
import type { DuckDBConnection } from "@duckdb/node-api";
import {
  COMPACTED_META_KEY,
  type CompactedMember,
  encodeCompactedMembers,
  META_KEYS,
  parseCompactedMembers,
} from "@ibsr/contract";
import { queryRows } from "../ingest/duckdb.js";
import { literalPath, quoteLiteral } from "../ingest/sql.js";
import { footers } from "./inputs.js";

/** Identity text of a member (from its footer facts), the key the read-back count is compared by. */
function identity(kv: Readonly<Record<string, string>>): string {
  return JSON.stringify([kv[META_KEYS.host], kv[META_KEYS.iface], kv[META_KEYS.runId], kv[META_KEYS.seq]]);
}

/** Reads the written file back and compares it with what was meant: members, schema, rows per member. */
export async function verify(
  c: DuckDBConnection,
  tmp: string,
  members: readonly CompactedMember[],
  schema: string,
): Promise<string | null> {
  const f = await footers(c, [tmp]);
  const packed = f.kv.find((r) => r.k === COMPACTED_META_KEY)?.v;
  if (packed === undefined) return `${COMPACTED_META_KEY} is missing from the written footer`;
  if (encodeCompactedMembers(parseCompactedMembers(packed)) !== encodeCompactedMembers(members))
    return "the per-snapshot facts read back differ from the inputs'";
  const got = f.schema.map((r) => `${r.name} ${r.type}`).join(", ");
  if (got !== schema) return `columns read back (${got}) differ from the inputs' (${schema})`;
  const want = new Map<string, number>();
  for (const m of members) want.set(identity(m.kv), (want.get(identity(m.kv)) ?? 0) + m.rows);
  const rows = await queryRows<{ host: string; iface: string; run_id: string; seq: bigint; n: bigint }>(
    c,
    `SELECT host, iface, run_id, seq, count(*) AS n FROM read_parquet(${quoteLiteral(literalPath(tmp)!)}, hive_partitioning = false) GROUP BY ALL`,
  );
  for (const r of rows) {
    const id = JSON.stringify([r.host, r.iface, r.run_id, String(r.seq)]);
    if (want.get(id) !== Number(r.n))
      return `snapshot ${id} has ${r.n} row(s) read back, ${want.get(id) ?? 0} in the inputs`;
    want.delete(id);
  }
  for (const [id, n] of want) if (n > 0) return `snapshot ${id}: ${n} row(s) in the inputs, none read back`;
  return null;
}
