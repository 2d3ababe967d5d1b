// A key's reference and display label ("198.18.0.1:80", "[2001:2::]/64:80"): the one place that spells it,
// used by the model's lists and by the verdict reasons that name keys.
import { formatPrefix, type Prefix } from "@ibsr/contract";
import type { KeyRef } from "../model.js";

export function keyRef(family: 4 | 6, src: Uint8Array, prefixLen: number, dstPort: number): KeyRef {
  const text = formatPrefix({ family, bytes: src, prefixLen } satisfies Prefix);
  const host = family === 6 ? `[${text}]` : text;
  return { family, src: text, prefixLen, dstPort, display: dstPort === 0 ? host : `${host}:${dstPort}` };
}
