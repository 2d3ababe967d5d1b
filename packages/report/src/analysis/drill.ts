// One blocked key's drill-down data (model KeyDrill): its retained intervals with traffic, would-drop and
// whether that would-drop is probably legitimate, and its block windows. From the factor-1 simulation only.
import type { Interval } from "../ingest/intervals.js";
import type { KeyDrill, ReportConfig } from "../model.js";
import { classify, enforcerOfKey, isProbablyLegit, type KeySim, scaled } from "./simulate.js";

const HOT_CODE = { SYN_FLOOD_LIKE: 1, VOLUMETRIC_TCP_ABUSE: 2 } as const;

export function keyDrill(
  s: KeySim,
  display: string,
  cfg: ReportConfig,
  ivs: ReadonlyMap<number, Interval>,
): KeyDrill {
  const t = scaled(cfg, 1);
  const rows = s.cand.rows
    .map((r) => ({ r, iv: ivs.get(r.iv)! }))
    .sort((a, b) => a.iv.t1 - b.iv.t1 || a.iv.t0 - b.iv.t0);
  const d: KeyDrill = {
    display,
    t0: [],
    t1: [],
    packets: [],
    syn: [],
    dropPackets: [],
    legit: [],
    hot: [],
    blocks: [],
  };
  for (const { r, iv } of rows) {
    const cls = classify(r, iv.span, cfg, t);
    const drop = s.dropByIv.get(r.iv)?.packets ?? 0n;
    d.t0.push(iv.t0);
    d.t1.push(iv.t1);
    d.packets.push(r.packets);
    d.syn.push(r.syn);
    d.dropPackets.push(Number(drop));
    d.legit.push(drop > 0n && isProbablyLegit(r, cls, cfg) ? 1 : 0);
    d.hot.push(cls ? HOT_CODE[cls] : 0);
  }
  // Enforcer ids are simulate.ts's enforcerKey; shown as host/iface.
  for (const [enf, segs] of [...s.segments].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const { host, iface } = enforcerOfKey(enf);
    for (const g of segs) d.blocks.push({ enforcer: `${host}/${iface}`, start: g.start, end: g.end });
  }
  d.blocks.sort((a, b) => a.start - b.start || a.end - b.end);
  return d;
}
