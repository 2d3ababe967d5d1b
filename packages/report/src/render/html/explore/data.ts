// Server side of the interactive tables: the model's complete lists (model.explorer) as compact table data
// (embedded in the page as JSON data blocks) and the top rows rendered as real table rows, from the same
// column definitions and cell formatting the page's script uses, so both agree.
import type { EpisodeRow, Explorer, KeyRef, RollupRow, SourceRow } from "../../../model.js";
import { formatInt } from "../../format.js";
import { CLASS_LABEL } from "../helpers.js";
import {
  type CellType,
  cellClass,
  cellText,
  type DrillData,
  drillNodes,
  packIntervals,
  type TableData,
} from "./logic.js";
import { nodeHtml } from "./serialize.js";

/** Rows rendered into each table without JavaScript (the page's script pages by the same count). */
export const SERVER_ROWS = 50;
/** Blocked keys whose drill-down is rendered into the page without JavaScript. */
export const STATIC_DRILLS = 3;

type Cell = string | number | null;
interface ColDef<T> {
  label: string;
  type: CellType;
  value: (r: T) => Cell;
}

const n = (v: bigint | number): number => Number(v);

/** The key's network for address search: the source with its prefix length. */
function netText(k: KeyRef): string {
  return k.src.includes("/") ? k.src : `${k.src}/${k.prefixLen}`;
}

// The would-drop column comes right after the key, so a phone shows it without scrolling the table sideways.
const SOURCE_COLS: ColDef<SourceRow>[] = [
  { label: "Source:port", type: "key", value: (r) => r.display },
  { label: "Would drop packets", type: "int", value: (r) => n(r.wouldDrop.packets) },
  { label: "Class", type: "text", value: (r) => (r.abuseClass ? CLASS_LABEL[r.abuseClass] : "—") },
  {
    label: "Decision",
    type: "text",
    value: (r) => (r.allowlisted ? "allowlisted" : `${r.decision}${r.healthyBlocked ? ", healthy" : ""}`),
  },
  { label: "Peak SYN/s", type: "num", value: (r) => r.peakSynRate },
  { label: "Min success ratio", type: "ratio", value: (r) => r.minSuccessRatio },
  { label: "Would drop bytes", type: "bytes", value: (r) => n(r.wouldDrop.bytes) },
  { label: "Would drop SYNs", type: "int", value: (r) => n(r.wouldDrop.syn) },
  {
    label: "Attack-like drop packets",
    type: "int",
    value: (r) => n(r.wouldDrop.packets - r.probablyLegitPackets),
  },
  { label: "Probably legit", type: "pct", value: (r) => r.probablyLegitPct },
  { label: "Episodes", type: "int", value: (r) => r.episodes },
  { label: "Hot intervals", type: "int", value: (r) => r.hotIntervals },
];

const EPISODE_COLS: ColDef<EpisodeRow>[] = [
  { label: "Source:port", type: "key", value: (r) => r.display },
  { label: "Host", type: "text", value: (r) => r.host },
  { label: "Start", type: "time", value: (r) => r.start.unix },
  { label: "Duration", type: "dur", value: (r) => r.durationSec },
  { label: "Intervals", type: "int", value: (r) => r.intervals },
  {
    label: "Class",
    type: "text",
    value: (r) => `${CLASS_LABEL[r.abuseClass]}${r.allowlisted ? ", allowlisted" : ""}`,
  },
  { label: "Packets", type: "int", value: (r) => n(r.totals.packets) },
  { label: "SYNs", type: "int", value: (r) => n(r.totals.syn) },
  { label: "Peak SYN/s", type: "num", value: (r) => r.peakSynRate },
  { label: "Peak pkt/s", type: "num", value: (r) => r.peakPktRate },
  { label: "Min success ratio", type: "ratio", value: (r) => r.minSuccessRatio },
];

const ROLLUP_COLS: ColDef<RollupRow>[] = [
  { label: "Prefix", type: "key", value: (r) => r.prefix },
  { label: "Would drop packets", type: "int", value: (r) => n(r.wouldDrop.packets) },
  { label: "Sources", type: "int", value: (r) => r.sources },
  { label: "Hot keys", type: "int", value: (r) => r.hotKeys },
  { label: "Blocked keys", type: "int", value: (r) => r.blockedKeys },
  { label: "Packets", type: "int", value: (r) => n(r.total.packets) },
  { label: "Share of all would-drop", type: "pct", value: (r) => r.wouldDropSharePct },
];

function tableData<T>(cols: ColDef<T>[], rows: readonly T[], key: (r: T) => [string, number]): TableData {
  return {
    cols: cols.map((c) => ({ label: c.label, type: c.type })),
    key: 0,
    rows: rows.map((r) => [...cols.map((c) => c.value(r)), ...key(r)]),
  };
}

/** A table as the templates show it: its block id, caption, header cells and the server-rendered rows. */
export interface ExploreTable {
  id: string;
  caption: string;
  /** The caption once the script runs (all rows searchable). */
  title: string;
  total: number;
  heads: { label: string; cls: string }[];
  rows: { text: string; cls: string }[][];
  /** The JSON data block's text, safe inside <script type="application/json">. */
  json: string;
}

/**
 * JSON for a data block inside the page: `<`, `>` and `&` escaped (no `</script` or `<!--` can appear), and
 * U+2028/U+2029 escaped as well (not line ends in JSON, but some tools treat them so).
 */
export function dataBlockJson(v: unknown): string {
  const text = JSON.stringify(v);
  // Tens of megabytes at 100 000 keys: a plain search first, the replacing scan only when needed.
  if (!["<", ">", "&", "\u2028", "\u2029"].some((c) => text.includes(c))) return text;
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function exploreTable(id: string, what: string, data: TableData): ExploreTable {
  const total = data.rows.length;
  const shown = Math.min(SERVER_ROWS, total);
  const title = `${what}: ${formatInt(total)} rows, all in this page (find, sort, page)`;
  return {
    id,
    caption:
      shown < total
        ? `${what}: the first ${shown} of ${formatInt(total)} (all are in this page: with JavaScript on, find, sort and page through them)`
        : `${what}: ${formatInt(total)} rows`,
    title,
    total,
    heads: data.cols.map((c) => ({ label: c.label, cls: cellClass(c.type) })),
    rows: data.rows
      .slice(0, shown)
      .map((r) =>
        data.cols.map((c, j) => ({ text: cellText(c.type, r[j] ?? null), cls: cellClass(c.type) })),
      ),
    json: dataBlockJson({ title, data }),
  };
}

/** The drill-down data of every blocked key, times relative to a base (shorter numbers in the page). */
function drillData(ex: Explorer): { base: number; keys: DrillData[] } {
  let base = Number.POSITIVE_INFINITY;
  for (const d of ex.drill) {
    if (d.t0.length) base = Math.min(base, d.t0[0]!);
    for (const b of d.blocks) base = Math.min(base, b.start);
  }
  base = Number.isFinite(base) ? Math.floor(base) : 0;
  const rel = (t: number) => Math.round((t - base) * 1000) / 1000;
  const byKey = new Map(ex.sources.map((s) => [s.display, s]));
  return {
    base,
    keys: ex.drill.map((d) => {
      const s = byKey.get(d.display);
      const packed = packIntervals(d, base);
      return {
        k: d.display,
        wd: s ? Number(s.wouldDrop.packets) : 0,
        pl: s ? Number(s.probablyLegitPackets) : 0,
        ...packed,
        b: d.blocks.map((b) => [b.enforcer, rel(b.start), rel(b.end)]),
      };
    }),
  };
}

export function exploreView(ex: Explorer) {
  const keyOf = (r: KeyRef): [string, number] => [netText(r), r.dstPort];
  const sources = exploreTable(
    "ibsr-data-sources",
    "Sources with a hot interval, blocked first by would-drop packets",
    tableData(SOURCE_COLS, ex.sources, keyOf),
  );
  const episodeData = tableData(EPISODE_COLS, ex.episodes, keyOf);
  const episodes = exploreTable("ibsr-data-episodes", "Episodes by impact (packets)", episodeData);
  const rollupKey = (r: RollupRow): [string, number] => [r.prefix, 0];
  const v4 = exploreTable(
    "ibsr-data-v4",
    "IPv4 /24 roll-ups",
    tableData(ROLLUP_COLS, ex.rollupsV4, rollupKey),
  );
  const v6 = exploreTable(
    "ibsr-data-v6",
    "IPv6 /48 roll-ups",
    tableData(ROLLUP_COLS, ex.rollupsV6, rollupKey),
  );
  const drill = drillData(ex);
  return {
    sources,
    episodes,
    v4,
    v6,
    drillJson: dataBlockJson(drill),
    drillKeys: drill.keys.length,
    /** Server-rendered drill-downs of the first blocked keys (markup; every text escaped by nodeHtml). */
    staticDrills: drill.keys
      .slice(0, STATIC_DRILLS)
      .map((d) => nodeHtml(drillNodes(d, drill.base, episodeData))),
  };
}

export type ExploreView = ReturnType<typeof exploreView>;
