// /24 (IPv4) and /48 (IPv6) roll-ups: where traffic and would-drop traffic concentrate.
import { formatPrefix, maskBytes } from "@ibsr/schema";
import type { KeyTotals } from "../ingest/scan.js";
import type { RollupRow, Rollups } from "../model.js";
import { pct } from "./decide.js";
import type { KeySim } from "./simulate.js";

export function rollups(keys: readonly KeyTotals[], sims: ReadonlyMap<string, KeySim>, cap: number): Rollups {
  const groups = new Map<string, RollupRow & { srcSet: Set<string>; bytesKey: Uint8Array }>();
  let allDrop = 0n;
  for (const s of sims.values()) if (!s.allowlisted) allDrop += s.drop.packets;
  for (const k of keys) {
    const len = k.family === 4 ? Math.min(24, k.prefixLen) : Math.min(48, k.prefixLen);
    const bytes = maskBytes(k.src, k.family, len);
    const prefix = formatPrefix({ family: k.family, bytes, prefixLen: len });
    const gid = `${k.family}|${prefix}`;
    let g = groups.get(gid);
    if (!g) {
      g = {
        family: k.family,
        prefix,
        prefixLen: len,
        keys: 0,
        sources: 0,
        hotKeys: 0,
        blockedKeys: 0,
        total: { packets: 0n, bytes: 0n, syn: 0n },
        wouldDrop: { packets: 0n, bytes: 0n, syn: 0n },
        wouldDropSharePct: 0,
        srcSet: new Set(),
        bytesKey: bytes,
      };
      groups.set(gid, g);
    }
    g.keys++;
    g.srcSet.add(`${Buffer.from(k.src).toString("hex")}/${k.prefixLen}`);
    g.total.packets += k.totals.packets;
    g.total.bytes += k.totals.bytes;
    g.total.syn += k.totals.syn;
    const s = sims.get(k.id);
    if (s && s.hotIntervals > 0) {
      g.hotKeys++;
      if (!s.allowlisted) {
        g.blockedKeys++;
        g.wouldDrop.packets += s.drop.packets;
        g.wouldDrop.bytes += s.drop.bytes;
        g.wouldDrop.syn += s.drop.syn;
      }
    }
  }
  const order = (
    a: { wouldDrop: { packets: bigint }; total: { packets: bigint }; bytesKey: Uint8Array },
    b: typeof a,
  ) =>
    a.wouldDrop.packets !== b.wouldDrop.packets
      ? a.wouldDrop.packets > b.wouldDrop.packets
        ? -1
        : 1
      : a.total.packets !== b.total.packets
        ? a.total.packets > b.total.packets
          ? -1
          : 1
        : Buffer.compare(Buffer.from(a.bytesKey), Buffer.from(b.bytesKey));
  const finish = (fam: 4 | 6) => {
    const list = [...groups.values()].filter((g) => g.family === fam).sort(order);
    const rows: RollupRow[] = list.slice(0, cap).map(({ srcSet, bytesKey: _b, ...g }) => ({
      ...g,
      sources: srcSet.size,
      wouldDropSharePct: pct(g.wouldDrop.packets, allDrop),
    }));
    return { rows, total: list.length, leftOut: Math.max(0, list.length - cap) };
  };
  const v4 = finish(4);
  const v6 = finish(6);
  return {
    v4: v4.rows,
    v4Total: v4.total,
    v4LeftOut: v4.leftOut,
    v6: v6.rows,
    v6Total: v6.total,
    v6LeftOut: v6.leftOut,
  };
}
