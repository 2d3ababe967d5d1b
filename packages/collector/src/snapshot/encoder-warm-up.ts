// An encode at start-up, into memory only, so that V8 optimises parquet-wasm's hot functions while the
// process is small. With dynamic tiering (NODE_FLAGS) a WebAssembly function is optimised once it has
// run a budget of code; without a warm-up those compiles came during the first snapshots, on top of the
// drained rows and the delta buffers, and raised the live peak by 2-4 MB. The file is never written.
import { FAMILY_IPV4, FAMILY_IPV6, type SnapshotMeta, VALUE_COUNTERS } from "@ibsr/contract";
import { freeBuffers } from "../system/free-buffers.js";
import {
  allocSnapshotRows,
  ENCODE_CHUNK_ROWS,
  encodeSnapshotParquetStreamed,
  type SnapshotRowSource,
  type SnapshotRows,
} from "./parquet.js";

/**
 * Rows of the warm-up file: with NODE_FLAGS' tiering budget, enough for almost every hot function to be
 * optimised (about 0.1 s of CPU), few enough that parquet-wasm's memory, which never shrinks, grows less
 * than a real snapshot of 100 000 rows makes it grow anyway.
 */
export const WARM_UP_ROWS = 16 * ENCODE_CHUNK_ROWS;

/** Rows shaped like traffic (IPv4 and IPv6 sources in order, small varied counters), one chunk reused. */
class WarmUpRows implements SnapshotRowSource {
  private readonly out: SnapshotRows = allocSnapshotRows(ENCODE_CHUNK_ROWS);

  constructor(readonly length: number) {}

  chunk(at: number, len: number): SnapshotRows {
    const out = this.out;
    for (let r = 0; r < len; r++) {
      const i = at + r;
      const v6 = i >= this.length * 0.75;
      out.family[r] = v6 ? FAMILY_IPV6 : FAMILY_IPV4;
      out.prefixLen[r] = v6 ? 64 : 32;
      out.dstPort[r] = 443;
      out.src.fill(0, r * 16, r * 16 + 16);
      if (v6) out.src.set([0x20, 0x01, 0, 2, 0, 0, (i >> 8) & 255, i & 255], r * 16);
      else out.src.set([198, 18 + ((i >> 16) & 1), (i >> 8) & 255, i & 255], r * 16);
      out.firstSeen[r] = 1_000_000_000_000n + BigInt(i) * 997n;
      const h = Math.imul(i + 1, 2654435761) >>> 0;
      VALUE_COUNTERS.forEach((c, k) => {
        const v = BigInt((h >>> k) % (k === VALUE_COUNTERS.length - 1 ? 90_000 : 60));
        out[c][r] = v;
        out.deltas[c][r] = v;
      });
      out.newEntry[r] = h & 1;
      out.spanUs[r] = 60_000_000n;
    }
    out.length = len;
    return out;
  }
}

/** Encodes the warm-up snapshot and drops it (the run command calls this before attaching). */
export async function warmUpEncoder(rows = WARM_UP_ROWS): Promise<void> {
  const bytes = await encodeWarmUpSnapshot(rows);
  freeBuffers(bytes.buffer);
}

/** The warm-up file: `rows` synthetic rows (marked synthetic in its metadata), encoded as a snapshot is. */
export async function encodeWarmUpSnapshot(rows = WARM_UP_ROWS): Promise<Uint8Array> {
  const meta: SnapshotMeta = {
    collectorVersion: "warm-up",
    host: "warm-up",
    iface: "warm-up",
    runId: "warmup",
    seq: 0,
    tsUs: 60_000_000n,
    baseTsUs: 0n,
    intervalSec: 60,
    xdpMode: "none",
    mtu: 1500,
    offload: {},
    mapCapacity: rows,
    liveEntries: rows,
    kernelRelease: "warm-up",
    ports: [443],
    ipv6PrefixLen: 64,
    globals: {
      packets_seen: 0n,
      tcp_seen: 0n,
      matched_packets: 0n,
      matched_bytes: 0n,
      matched_syn: 0n,
      inserts: 0n,
    },
    monoOffsetNs: 0n,
    synthetic: "encoder warm-up (never written)",
  };
  return encodeSnapshotParquetStreamed({ meta, rows: new WarmUpRows(rows) });
}
