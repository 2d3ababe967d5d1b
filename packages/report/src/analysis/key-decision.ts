// The one definition of a key's success ratio and of its block decision (spec §3, §5), the way
// hot-predicate.ts defines "hot": each is a small description from which both the SQL (ingest/queries/keys.ts,
// the hot predicate's ratio term) and the TypeScript (simulate, ports, the verdict, the model) are made, and
// key-decision.test.ts checks that DuckDB and TypeScript agree on a grid of values.
import type { KeyDecision } from "../model.js";

/** success_ratio = min(cap, numerator / denominator); none (null) when the denominator is 0. */
export const SUCCESS_RATIO = { numerator: "handshake_ack", denominator: "syn", cap: 1 } as const;

/** success_ratio for syn > 0 (callers that already know there was a SYN). */
export function successRatioOfSyn(syn: number, handshakeAck: number): number {
  return Math.min(SUCCESS_RATIO.cap, handshakeAck / syn);
}

/** success_ratio = min(1, handshake_ack / syn); null when there was no SYN. */
export function successRatio(syn: number, handshakeAck: number): number | null {
  return syn > 0 ? successRatioOfSyn(syn, handshakeAck) : null;
}

export interface RatioSqlColumns {
  /** The SYN count expression (default `syn`). */
  syn?: string;
  /** The handshake_ack count expression (default `handshake_ack`). */
  handshakeAck?: string;
  /** A cast applied to both operands of the division (e.g. `::DOUBLE`); DuckDB's `/` is float division anyway. */
  cast?: string;
}

/** The ratio as SQL for rows with syn > 0 (the hot predicate tests syn > 0 in the same conjunction). */
export function successRatioOfSynSql(cols: RatioSqlColumns = {}): string {
  const syn = cols.syn ?? SUCCESS_RATIO.denominator;
  const hs = cols.handshakeAck ?? SUCCESS_RATIO.numerator;
  const cast = cols.cast ?? "";
  return `least(${SUCCESS_RATIO.cap.toFixed(1)}, ${hs}${cast} / ${syn}${cast})`;
}

/** The ratio as SQL, NULL when there was no SYN. */
export function successRatioSql(cols: RatioSqlColumns = {}): string {
  return `CASE WHEN ${cols.syn ?? SUCCESS_RATIO.denominator} > 0 THEN ${successRatioOfSynSql(cols)} END`;
}

/** The same as JavaScript source over `r` (for the generated hot predicate); syn > 0 where it is read. */
export function successRatioOfSynJs(row = "r"): string {
  return `Math.min(${SUCCESS_RATIO.cap}, ${row}.${SUCCESS_RATIO.numerator} / ${row}.${SUCCESS_RATIO.denominator})`;
}

// ---------------------------------------------------------------- block decision

/** A key is blocked when it is hot (hot in some interval at the configured thresholds) and not allowlisted. */
export const BLOCKED = { hot: true, allowlisted: false } as const;
const BLOCK: KeyDecision = "block";
const ALLOW: KeyDecision = "allow";

export interface KeyFlags {
  hot: boolean;
  allowlisted: boolean;
}

export function isBlocked(k: KeyFlags): boolean {
  return k.hot === BLOCKED.hot && k.allowlisted === BLOCKED.allowlisted;
}

export function decisionOf(k: KeyFlags): KeyDecision {
  return isBlocked(k) ? BLOCK : ALLOW;
}

/** SQL boolean expressions for the flags of one row (e.g. hot: `h.cls IS NOT NULL`, allowlisted: `k.al`). */
export type KeyFlagsSql = Record<keyof KeyFlags, string>;

/** isBlocked as SQL: each flag tested for the value BLOCKED gives it. */
export function blockedSql(flags: KeyFlagsSql): string {
  return (Object.keys(BLOCKED) as (keyof KeyFlags)[])
    .map((f) => (BLOCKED[f] ? flags[f] : `NOT ${flags[f]}`))
    .join(" AND ");
}

/** decisionOf as SQL: 'block' or 'allow'. */
export function decisionSql(flags: KeyFlagsSql): string {
  return `CASE WHEN ${blockedSql(flags)} THEN '${BLOCK}' ELSE '${ALLOW}' END`;
}
