// Per-interval traffic of the typical sources of scenario tests (one interval of 60 s at the default thresholds).
import type { Traffic } from "./snapshots.js";

/** 200 SYN/s that never complete: SYN_FLOOD_LIKE in every interval it appears in. */
export const synFlood = (src: string, port = 80): Traffic => ({
  src,
  port,
  syn: 12_000,
  packets: 12_000,
  bytes: 720_000,
});

/** 500 SYN/s of which a handful complete: SYN_FLOOD_LIKE, and never probably legitimate. */
export const starvedSynFlood = (src: string, port = 80): Traffic => ({
  src,
  port,
  syn: 30_000,
  handshake_ack: 10,
  packets: 30_000,
  bytes: 1_800_000,
});

/** A few complete connections: never hot. */
export const quietClient = (src: string, port = 80): Traffic => ({
  src,
  port,
  syn: 6,
  handshake_ack: 6,
  ack: 60,
  packets: 120,
  bytes: 12_000,
});

/** Above two volumetric thresholds with every handshake complete: blocked, and probably legitimate. */
export const healthyHeavyClient = (src: string, port = 80): Traffic => ({
  src,
  port,
  syn: 60,
  handshake_ack: 60,
  ack: 89_900,
  packets: 90_000,
  bytes: 90_000_000,
});

/** Twelve quiet clients (198.18.100.1-12), so the false-positive bound has enough keys to be known. */
export const quietBackground = (port = 80): Traffic[] =>
  Array.from({ length: 12 }, (_, j) => quietClient(`198.18.100.${j + 1}`, port));
