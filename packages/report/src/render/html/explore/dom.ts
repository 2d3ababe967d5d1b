// The page side of the interactive tables and the drill-down: reads the embedded JSON data blocks, adds a
// filter box, sortable column headers and paging to each marked table, and draws a key's drill-down when its
// row is chosen. Runs only in the browser, as part of the one inline script (explore/script.ts), so like
// ./logic.ts every function is top-level and self-contained. DOM is built with createElement/textContent
// only: no innerHTML, no eval, nothing fetched.
import {
  cellClass,
  cellText,
  type DrillData,
  defaultDescending,
  drillNodes,
  filterRows,
  type Net,
  pageCount,
  pageSlice,
  sortRows,
  type TableData,
  type UiNode,
} from "./logic.js";

// The few DOM shapes used here: the package is typed without the DOM library, on purpose (server code must
// not reach for `document`); this is the one module that runs in a page.
interface DomNode {
  textContent: string | null;
  appendChild(n: DomNode): DomNode;
  replaceChildren(...n: DomNode[]): void;
  setAttribute(k: string, v: string): void;
  getAttribute(k: string): string | null;
  removeAttribute(k: string): void;
  addEventListener(type: string, fn: (e: { preventDefault(): void }) => void): void;
  querySelector(s: string): DomNode | null;
  querySelectorAll(s: string): ArrayLike<DomNode>;
  parentNode: DomNode | null;
  insertBefore(n: DomNode, ref: DomNode | null): DomNode;
  value: string;
  disabled: boolean;
  hidden: boolean;
  focus(): void;
  scrollIntoView(o?: { block: string }): void;
}
interface Doc {
  createElement(tag: string): DomNode;
  createElementNS(ns: string, tag: string): DomNode;
  createTextNode(s: string): DomNode;
  getElementById(id: string): DomNode | null;
  querySelectorAll(s: string): ArrayLike<DomNode>;
}
declare const document: Doc;
declare function setTimeout(fn: () => void, ms: number): number;
declare function clearTimeout(id: number): void;

/** DOM nodes from a UiNode tree (SVG elements in the SVG namespace), text through text nodes only. */
export function buildNode(n: UiNode | string, svg: boolean): DomNode {
  if (typeof n === "string") return document.createTextNode(n);
  const inSvg = svg || n.tag === "svg";
  const el = inSvg
    ? document.createElementNS("http://www.w3.org/2000/svg", n.tag)
    : document.createElement(n.tag);
  for (const [k, v] of Object.entries(n.attrs ?? {})) el.setAttribute(k, v);
  for (const c of n.children ?? []) el.appendChild(buildNode(c, inSvg));
  return el;
}

/** Parses a JSON data block by id (null when absent). */
export function readData(id: string): unknown {
  const el = document.getElementById(id);
  return el ? JSON.parse(el.textContent ?? "null") : null;
}

export function domEl(tag: string, attrs: Record<string, string>, text: string | null): DomNode {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== null) e.textContent = text;
  return e;
}

/** Adds filter, sort and paging to one server-rendered table backed by a data block. */
export function upgradeTable(
  table: DomNode,
  t: TableData,
  title: string,
  onKey: ((k: string) => boolean) | null,
) {
  const per = 50;
  const nets: (Net | null | undefined)[] = [];
  const texts: (string | undefined)[] = [];
  let shown: number[] = t.rows.map((_, i) => i);
  let sortCol = -1;
  let desc = false;
  let page = 1;
  const tbody = table.querySelector("tbody")!;
  const caption = table.querySelector("caption");
  if (caption) caption.textContent = title;
  const wrap = table.parentNode!;
  const ctl = domEl("div", { class: "explore-ctl" }, null);
  const id = table.getAttribute("data-explore") ?? "t";
  const input = domEl(
    "input",
    { type: "search", id: `${id}-q`, placeholder: "text, address or CIDR", autocomplete: "off" },
    null,
  );
  const label = domEl("label", { for: `${id}-q` }, "Find ");
  const count = domEl("span", { class: "count", role: "status", "aria-live": "polite" }, "");
  const prev = domEl("button", { type: "button", class: "pg prev" }, "‹ Previous");
  const pages = domEl("span", { class: "pages" }, "");
  const next = domEl("button", { type: "button", class: "pg next" }, "Next ›");
  label.appendChild(input);
  for (const n of [label, count, prev, pages, next]) ctl.appendChild(n);
  wrap.parentNode!.insertBefore(ctl, wrap);

  const heads = table.querySelectorAll("thead th");
  const render = () => {
    const n = pageCount(shown.length, per);
    page = Math.min(Math.max(1, page), n);
    const rows = pageSlice(shown, page, per);
    const trs: DomNode[] = [];
    for (const r of rows) {
      const tr = document.createElement("tr");
      t.cols.forEach((c, j) => {
        const v = t.rows[r]![j] ?? null;
        const td = domEl("td", cellClass(c.type) ? { class: cellClass(c.type) } : {}, null);
        const text = cellText(c.type, v);
        if (j === t.key && onKey) {
          const b = domEl(
            "button",
            { type: "button", class: "key", title: "Show the drill-down of this key" },
            text,
          );
          b.addEventListener("click", () => {
            if (!onKey(text)) b.setAttribute("aria-disabled", "true");
          });
          td.appendChild(b);
        } else td.textContent = text;
        tr.appendChild(td);
      });
      trs.push(tr);
    }
    tbody.replaceChildren(...trs);
    const from = shown.length ? (page - 1) * per + 1 : 0;
    const to = Math.min(shown.length, page * per);
    count.textContent = `${from}–${to} of ${shown.length}${shown.length !== t.rows.length ? ` matching (${t.rows.length} in all)` : " rows"}`;
    pages.textContent = `page ${page} of ${n}`;
    prev.disabled = page <= 1;
    next.disabled = page >= n;
  };
  const apply = () => {
    const q = input.value;
    shown = filterRows(t, q, nets, texts);
    if (sortCol >= 0) shown = sortRows(t, shown, sortCol, desc);
    page = 1;
    render();
  };
  for (let j = 0; j < heads.length && j < t.cols.length; j++) {
    const th = heads[j]!;
    const c = t.cols[j]!;
    th.setAttribute("aria-sort", "none");
    const b = domEl("button", { type: "button", class: "sort" }, th.textContent ?? c.label);
    th.replaceChildren(b);
    b.addEventListener("click", () => {
      desc = sortCol === j ? !desc : defaultDescending(c.type);
      sortCol = j;
      for (let k = 0; k < heads.length; k++) heads[k]!.setAttribute("aria-sort", "none");
      th.setAttribute("aria-sort", desc ? "descending" : "ascending");
      shown = sortRows(t, shown, sortCol, desc);
      page = 1;
      render();
    });
  }
  let timer = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(apply, 120);
  });
  prev.addEventListener("click", () => {
    page--;
    render();
  });
  next.addEventListener("click", () => {
    page++;
    render();
  });
  render();
}

/** Entry point: upgrades every table marked data-explore and wires the drill-down. */
export function exploreMain(): void {
  // The drill data is the page's largest block: parsed on the first selection, not at load.
  let drill: { base: number; keys: DrillData[] } | null = null;
  let byKey: Map<string, DrillData> | null = null;
  let episodes: { data: TableData } | null = null;
  const live = document.getElementById("drill-live");
  const show = (k: string): boolean => {
    if (byKey === null) {
      drill = readData("ibsr-data-drill") as { base: number; keys: DrillData[] } | null;
      episodes = readData("ibsr-data-episodes") as { data: TableData } | null;
      byKey = new Map((drill?.keys ?? []).map((d) => [d.k, d]));
    }
    const d = byKey.get(k);
    if (!d || !drill || !live) return false;
    live.replaceChildren(buildNode(drillNodes(d, drill.base, episodes?.data ?? null), false));
    live.hidden = false;
    live.scrollIntoView({ block: "nearest" });
    return true;
  };
  const tables = document.querySelectorAll("table[data-explore]");
  for (let i = 0; i < tables.length; i++) {
    const table = tables[i]!;
    const block = readData(table.getAttribute("data-explore") ?? "") as {
      title: string;
      data: TableData;
    } | null;
    if (!block) continue;
    upgradeTable(table, block.data, block.title, table.getAttribute("data-drill") === "1" ? show : null);
  }
}
