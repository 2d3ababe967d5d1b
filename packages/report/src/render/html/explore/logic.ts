// The interactive tables' logic: address and CIDR parsing and containment (IPv4 and IPv6), the row filter,
// sorting, paging, cell text, and the drill-down as a node tree. Used twice: by the server renderer (Node) and,
// as text, inside the page's one inline script (explore/script.ts). So every function here is top-level,
// self-contained and refers only to other functions of this file, of ./dom.ts and of the format functions the
// script includes: no module-level values, no imports at run time except those format functions.

import type { KeyDrill } from "../../../model.js";
import {
  formatAxisTime,
  formatBytes,
  formatDuration,
  formatInt,
  formatNumber,
  formatPct,
  formatRatio,
  formatTimestamp,
  plural,
} from "../../format.js";

/** A parsed network: family, the address as an integer (host bits cleared), prefix length. */
export interface Net {
  family: 4 | 6;
  addr: bigint;
  len: number;
}

/** Cell kinds: how a value is shown and sorted. */
export type CellType = "key" | "text" | "int" | "num" | "ratio" | "pct" | "bytes" | "time" | "dur";

export interface Column {
  label: string;
  type: CellType;
}

/**
 * One table's embedded data. Each row holds the visible cells in column order, then, for tables with a key
 * column, two hidden cells: the key's network ("198.18.0.1/32", "2001:2::/64") and its port (0: none).
 */
export interface TableData {
  cols: Column[];
  /** Index of the key column (sorted by network, filtered by address), or -1. */
  key: number;
  rows: (string | number | null)[][];
}

/** Dotted quad, strict: four decimal parts 0-255 without leading zeros (010 could mean octal elsewhere). */
export function parseIPv4(s: string): bigint | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

/** IPv6 text (RFC 4291 forms: "::" once, an IPv4 tail) to a 128-bit integer; brackets are allowed around it. */
export function parseIPv6(text: string): bigint | null {
  let s = text;
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  if (s.length === 0 || s.includes("%")) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === "") return [];
    const out: number[] = [];
    const parts = h.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIPv4(p);
        if (v4 === null) return null;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(Number.parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const n = head.length + tail.length;
  if (halves.length === 1 ? n !== 8 : n > 7) return null;
  const all = [...head, ...new Array<number>(8 - n).fill(0), ...tail];
  let v = 0n;
  for (const g of all) v = (v << 16n) | BigInt(g);
  return v;
}

/** "198.18.0.0/24", "198.18.0.1", "2001:2::/48", "[2001:2::1]" to a network (host bits cleared); else null. */
export function parseNet(text: string): Net | null {
  const s = text.trim();
  const slash = s.indexOf("/");
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const lenText = slash < 0 ? null : s.slice(slash + 1);
  let family: 4 | 6;
  let addr: bigint | null = parseIPv4(addrText);
  if (addr !== null) family = 4;
  else {
    addr = parseIPv6(addrText);
    if (addr === null) return null;
    family = 6;
  }
  const bits = family === 4 ? 32 : 128;
  let len = bits;
  if (lenText !== null) {
    if (!/^[0-9]{1,3}$/.test(lenText)) return null;
    len = Number(lenText);
    if (len > bits) return null;
  }
  const host = BigInt(bits - len);
  return { family, addr: (addr >> host) << host, len };
}

/** True when network `outer` contains every address of `inner` (same family). */
export function netContains(outer: Net, inner: Net): boolean {
  if (outer.family !== inner.family || outer.len > inner.len) return false;
  const host = BigInt((outer.family === 4 ? 32 : 128) - outer.len);
  return inner.addr >> host === outer.addr >> host;
}

/** Two networks share an address: one contains the other (CIDR blocks never partly overlap). */
export function netsOverlap(a: Net, b: Net): boolean {
  return netContains(a, b) || netContains(b, a);
}

/** One search term: an address or CIDR (matched by containment), or text (case-insensitive substring). */
export type Term = { net: Net; port: number | null } | { text: string };

/**
 * Splits a query into terms (whitespace separated; every term must match). "198.18.0.1:80" and
 * "[2001:2::1]:443" are an address with a port.
 */
export function parseQuery(q: string): Term[] {
  const out: Term[] = [];
  for (const raw of q.trim().split(/\s+/)) {
    if (raw === "") continue;
    let net = parseNet(raw);
    let port: number | null = null;
    if (net === null) {
      const m = /^(\[[^\]]+\](?:\/[0-9]{1,3})?|[0-9.]+(?:\/[0-9]{1,2})?):([0-9]{1,5})$/.exec(raw);
      if (m) {
        net = parseNet(m[1]!.replace(/^\[([^\]]+)\]/, "$1"));
        port = Number(m[2]);
      }
    }
    out.push(net ? { net, port } : { text: raw.toLowerCase() });
  }
  return out;
}

/**
 * Whether a row matches every term. `nets` and `texts` cache each row's parsed network and lower-cased cell
 * text (by row index), so typing into the filter stays fast on 100 000 rows.
 */
export function rowMatches(
  t: TableData,
  i: number,
  terms: readonly Term[],
  nets: (Net | null | undefined)[],
  texts: (string | undefined)[],
): boolean {
  const row = t.rows[i]!;
  for (const term of terms) {
    if ("net" in term) {
      if (t.key < 0) return false;
      let n = nets[i];
      if (n === undefined) {
        n = parseNet(String(row[t.cols.length] ?? ""));
        nets[i] = n;
      }
      if (n === null || !netsOverlap(term.net, n)) return false;
      if (term.port !== null && Number(row[t.cols.length + 1]) !== term.port) return false;
    } else {
      let text = texts[i];
      if (text === undefined) {
        text = t.cols
          .map((c, j) => cellText(c.type, row[j] ?? null))
          .join("\u0000")
          .toLowerCase();
        texts[i] = text;
      }
      if (!text.includes(term.text)) return false;
    }
  }
  return true;
}

/** Indices of the rows matching the query, in table order. */
export function filterRows(
  t: TableData,
  query: string,
  nets: (Net | null | undefined)[],
  texts: (string | undefined)[],
): number[] {
  const terms = parseQuery(query);
  const out: number[] = [];
  for (let i = 0; i < t.rows.length; i++)
    if (terms.length === 0 || rowMatches(t, i, terms, nets, texts)) out.push(i);
  return out;
}

/** Text compared with digit runs as numbers ("a9" < "a10"), then plainly, so the order is total. */
export function compareText(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const xs = a.match(re) ?? [];
  const ys = b.match(re) ?? [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = BigInt(x);
      const ny = BigInt(y);
      if (nx !== ny) return nx < ny ? -1 : 1;
    } else return x < y ? -1 : 1;
  }
  if (xs.length !== ys.length) return xs.length - ys.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares two networks: family, address, prefix length. */
export function compareNets(a: Net, b: Net): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.addr !== b.addr) return a.addr < b.addr ? -1 : 1;
  return a.len - b.len;
}

/** Compares two cell values of one type: numbers numerically, text with digit runs as numbers. */
export function compareValues(va: string | number, vb: string | number): number {
  if (typeof va === "number" && typeof vb === "number") return va - vb;
  return compareText(String(va), String(vb));
}

/** Numbers start largest first (the question is "which is worst"), text and keys A to Z. */
export function defaultDescending(type: CellType): boolean {
  return !(type === "key" || type === "text");
}

/**
 * Row indices sorted by a column: keys by family, address, prefix length and port (parsed once per sort),
 * numbers numerically. Ties keep the given order; unknown values go last in both directions.
 */
export function sortRows(t: TableData, rows: readonly number[], col: number, descending: boolean): number[] {
  const byKey = col === t.key && t.cols[col]!.type === "key";
  const items = rows.map((r, i) => {
    const v = t.rows[r]![col] ?? null;
    const net = byKey ? parseNet(String(t.rows[r]![t.cols.length] ?? "")) : null;
    return { r, i, v, net, port: byKey ? Number(t.rows[r]![t.cols.length + 1]) : 0 };
  });
  items.sort((a, b) => {
    let c = 0;
    if (a.net && b.net) c = compareNets(a.net, b.net) || a.port - b.port;
    else {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      c = compareValues(a.v, b.v);
    }
    return (descending ? -c : c) || a.i - b.i;
  });
  return items.map((x) => x.r);
}

/** Number of pages of `per` rows (at least one, so "page 1 of 1" for an empty result). */
export function pageCount(rows: number, per: number): number {
  return Math.max(1, Math.ceil(rows / per));
}

/** The slice of rows on a (1-based, clamped) page. */
export function pageSlice<T>(rows: readonly T[], page: number, per: number): T[] {
  const p = Math.min(Math.max(1, page), pageCount(rows.length, per));
  return rows.slice((p - 1) * per, p * per);
}

/** A cell's text, the same on the server and in the page. */
export function cellText(type: CellType, v: string | number | null): string {
  if (v === null) return type === "pct" ? formatPct(null) : "—";
  if (typeof v === "string") return v;
  switch (type) {
    case "int":
      return formatInt(v);
    case "num":
      return formatNumber(v);
    case "ratio":
      return formatRatio(v);
    case "pct":
      return formatPct(v);
    case "bytes":
      return formatBytes(v);
    case "time":
      return formatTimestamp(v);
    case "dur":
      return formatDuration(v);
    default:
      return String(v);
  }
}

/** CSS class of a cell: keys never wrap, numbers right-aligned. */
export function cellClass(type: CellType): string {
  return type === "key" ? "src" : type === "text" ? "" : type === "time" ? "t" : "n";
}

// ---------------------------------------------------------------- drill-down

/** A node of markup: an element (HTML or SVG) with attributes and children, or text. Built, never parsed. */
export interface UiNode {
  tag: string;
  attrs?: Record<string, string>;
  children?: (UiNode | string)[];
}

/** One blocked key's drill data as embedded in the page (times in seconds from the page's `base`). */
export interface DrillData {
  /** Key display text. */
  k: string;
  /** Would-drop packets, of which probably legitimate. */
  wd: number;
  pl: number;
  /** Start of the first retained interval. */
  s: number;
  /**
   * Per retained interval, 6 numbers: gap since the previous interval's end (or since `s`), span, packets,
   * SYNs, would-drop packets, flags (1: the would-drop is probably legitimate; 2, 4: hot SYN-flood-like or
   * volumetric). Consecutive intervals make the gap 0: short numbers at 100 000 keys.
   */
  iv: number[];
  /** Block windows: enforcer, start, end. */
  b: (string | number)[][];
}

/** One retained interval, decoded. */
export interface DrillInterval {
  t0: number;
  t1: number;
  packets: number;
  syn: number;
  drop: number;
  legit: boolean;
  /** 0 not hot, 1 SYN_FLOOD_LIKE, 2 VOLUMETRIC_TCP_ABUSE. */
  hot: number;
}

/**
 * Encodes a key's intervals (model KeyDrill arrays, ascending; times made relative to `base`, ms precision)
 * as DrillData.s and .iv.
 */
export function packIntervals(
  d: Omit<KeyDrill, "display" | "blocks">,
  base: number,
): { s: number; iv: number[] } {
  const r = (t: number) => Math.round(t * 1000) / 1000;
  const n = d.t0.length;
  const s = n ? r(d.t0[0]! - base) : 0;
  const iv: number[] = new Array(n * 6);
  let prev = s;
  for (let i = 0; i < n; i++) {
    const t0 = r(d.t0[i]! - base);
    const t1 = r(d.t1[i]! - base);
    iv[i * 6] = r(t0 - prev);
    iv[i * 6 + 1] = r(t1 - t0);
    iv[i * 6 + 2] = d.packets[i]!;
    iv[i * 6 + 3] = d.syn[i]!;
    iv[i * 6 + 4] = d.dropPackets[i]!;
    iv[i * 6 + 5] = (d.legit[i] ? 1 : 0) | (d.hot[i]! << 1);
    prev = t1;
  }
  return { s, iv };
}

/** The inverse of packIntervals. */
export function unpackIntervals(d: DrillData): DrillInterval[] {
  const out: DrillInterval[] = [];
  let prev = d.s;
  for (let i = 0; i + 5 < d.iv.length; i += 6) {
    const t0 = prev + d.iv[i]!;
    const t1 = t0 + d.iv[i + 1]!;
    const f = d.iv[i + 5]!;
    out.push({
      t0,
      t1,
      packets: d.iv[i + 2]!,
      syn: d.iv[i + 3]!,
      drop: d.iv[i + 4]!,
      legit: (f & 1) === 1,
      hot: f >> 1,
    });
    prev = t1;
  }
  return out;
}

/** The drill-down of one key: summary line, chart, block windows and episodes, as a node tree. */
export function drillNodes(d: DrillData, base: number, episodes: TableData | null): UiNode {
  const attack = Math.max(0, d.wd - d.pl);
  const ivs = d.iv.length / 6;
  const children: (UiNode | string)[] = [
    { tag: "h4", children: [{ tag: "span", attrs: { class: "src" }, children: [d.k] }] },
    {
      tag: "p",
      children: [
        `Would drop ${formatInt(d.wd)} packets: ${formatInt(attack)} attack-like and ${formatInt(d.pl)} probably legitimate (${formatPct(d.wd > 0 ? (d.pl / d.wd) * 100 : null)}). ${plural(ivs, "retained interval")}; ${plural(d.b.length, "block window")}.`,
      ],
    },
    drillChart(d, base),
    {
      tag: "p",
      attrs: { class: "muted small" },
      children: [
        "Bars: the key's packets per second in each interval, split into not dropped (grey), would-drop attack-like (red) and would-drop probably legitimate (amber, dashed outline); shaded bands: block windows. Only intervals hot at half the thresholds or inside a possible block are retained by the analysis: quieter intervals are not drawn (gaps).",
      ],
    },
  ];
  const rows: UiNode[] = d.b.map((b) => ({
    tag: "tr",
    children: [
      { tag: "td", children: [String(b[0])] },
      { tag: "td", attrs: { class: "t" }, children: [formatTimestamp(base + Number(b[1]))] },
      { tag: "td", attrs: { class: "t" }, children: [formatTimestamp(base + Number(b[2]))] },
      { tag: "td", attrs: { class: "n" }, children: [formatDuration(Number(b[2]) - Number(b[1]))] },
    ],
  }));
  children.push(
    tableNode(
      `Block windows of ${d.k}`,
      ["Enforcer", "From", "Until", "Length"],
      ["text", "time", "time", "dur"],
      rows,
      "blk-windows",
    ),
  );
  if (episodes) {
    const mine: number[] = [];
    for (let i = 0; i < episodes.rows.length; i++) if (episodes.rows[i]![0] === d.k) mine.push(i);
    const shown = mine.slice(0, 20);
    const erows: UiNode[] = shown.map((i) => ({
      tag: "tr",
      children: episodes.cols.map((c, j) => ({
        tag: "td",
        attrs: { class: cellClass(c.type) },
        children: [cellText(c.type, episodes.rows[i]![j] ?? null)],
      })),
    }));
    children.push(
      tableNode(
        `Episodes of ${d.k} (${formatInt(mine.length)}${mine.length > shown.length ? `, the ${shown.length} with most impact shown` : ""})`,
        episodes.cols.map((c) => c.label),
        episodes.cols.map((c) => c.type),
        erows,
        "drill-episodes",
      ),
    );
  }
  return { tag: "div", attrs: { class: "drill-key", "data-key": d.k }, children };
}

/** A small table with caption and column header scopes. */
export function tableNode(
  caption: string,
  heads: string[],
  types: CellType[],
  rows: UiNode[],
  cls: string,
): UiNode {
  return {
    tag: "div",
    attrs: { class: "tw" },
    children: [
      {
        tag: "table",
        attrs: { class: cls },
        children: [
          { tag: "caption", children: [caption] },
          {
            tag: "thead",
            children: [
              {
                tag: "tr",
                children: heads.map((h, i) => ({
                  tag: "th",
                  attrs: { scope: "col", class: cellClass(types[i] ?? "text") },
                  children: [h],
                })),
              },
            ],
          },
          { tag: "tbody", children: rows },
        ],
      },
    ],
  };
}

/** The key's traffic per interval with its block windows overlaid, as SVG nodes (viewBox units). */
export function drillChart(d: DrillData, base: number): UiNode {
  const W = 900;
  const H = 200;
  const L = 56;
  const R = 12;
  const T = 14;
  const B = 30;
  const ivs = unpackIntervals(d);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let top = 0;
  for (const v of ivs) {
    lo = Math.min(lo, v.t0);
    hi = Math.max(hi, v.t1);
    if (v.t1 > v.t0) top = Math.max(top, v.packets / (v.t1 - v.t0));
  }
  for (const b of d.b) {
    lo = Math.min(lo, Number(b[1]));
    hi = Math.max(hi, Number(b[2]));
  }
  if (!Number.isFinite(lo) || hi <= lo) {
    lo = 0;
    hi = 1;
  }
  if (top <= 0) top = 1;
  const x = (t: number) => L + ((t - lo) / (hi - lo)) * (W - L - R);
  const y = (v: number) => T + (1 - v / top) * (H - T - B);
  const f = (v: number) => String(Math.round(v * 10) / 10);
  const kids: UiNode[] = [
    {
      tag: "title",
      children: [`Packets per second of ${d.k} in each retained interval, with its block windows shaded`],
    },
  ];
  for (const b of d.b) {
    const x0 = x(Number(b[1]));
    kids.push({
      tag: "rect",
      attrs: {
        class: "blk",
        x: f(x0),
        y: String(T),
        width: f(Math.max(1, x(Number(b[2])) - x0)),
        height: String(H - T - B),
      },
      children: [
        {
          tag: "title",
          children: [
            `block on ${String(b[0])}: ${formatTimestamp(base + Number(b[1]))} to ${formatTimestamp(base + Number(b[2]))}`,
          ],
        },
      ],
    });
  }
  for (const v of ivs) {
    const { t0, t1, legit } = v;
    const span = t1 - t0;
    if (span <= 0) continue;
    const pkts = v.packets;
    const drop = Math.min(pkts, v.drop);
    const x0 = x(t0);
    const w = f(Math.max(0.8, x(t1) - x0 - 0.4));
    const yTop = y(pkts / span);
    const yDrop = y(drop / span);
    const label = `${formatTimestamp(base + t1)}: ${formatNumber(pkts / span)} packets/s, would drop ${formatInt(drop)} packets${drop > 0 ? (legit ? " (probably legitimate)" : " (attack-like)") : ""}${v.hot ? ", hot" : ""}`;
    if (pkts > drop)
      kids.push({
        tag: "rect",
        attrs: { class: "pass", x: f(x0), y: f(yTop), width: w, height: f(Math.max(0, yDrop - yTop)) },
        children: [{ tag: "title", children: [label] }],
      });
    if (drop > 0)
      kids.push({
        tag: "rect",
        attrs: {
          class: legit ? "legit-bar" : "drop",
          x: f(x0),
          y: f(yDrop),
          width: w,
          height: f(Math.max(0, y(0) - yDrop)),
        },
        children: [{ tag: "title", children: [label] }],
      });
  }
  const axis = (t: number, anchor: string): UiNode => ({
    tag: "text",
    attrs: { x: f(x(t)), y: String(H - 10), "text-anchor": anchor, class: "ax" },
    children: [formatAxisTime(base + t, hi - lo > 86_400)],
  });
  kids.push(
    { tag: "line", attrs: { x1: String(L), y1: f(y(0)), x2: String(W - R), y2: f(y(0)), class: "axis" } },
    {
      tag: "text",
      attrs: { x: String(L - 4), y: String(T + 8), "text-anchor": "end", class: "ax" },
      children: [formatNumber(top)],
    },
    {
      tag: "text",
      attrs: { x: String(L - 4), y: f(y(0)), "text-anchor": "end", class: "ax" },
      children: ["0"],
    },
    { tag: "text", attrs: { x: "4", y: String(T + 26), class: "ax" }, children: ["pkt/s"] },
    axis(lo, "start"),
    axis(hi, "end"),
    {
      tag: "text",
      attrs: { x: String(W / 2), y: String(H - 10), "text-anchor": "middle", class: "ax" },
      children: ["UTC"],
    },
  );
  return {
    tag: "svg",
    attrs: {
      class: "chart drill-chart",
      viewBox: `0 0 ${W} ${H}`,
      role: "img",
      "aria-label": `Traffic of ${d.k} with ${plural(d.b.length, "block window")}`,
    },
    children: kids,
  };
}
