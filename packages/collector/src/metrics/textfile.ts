// --metrics-textfile: the collector's metrics for node_exporter's textfile collector, rewritten after every
// snapshot. Atomic (a temp file in the same folder, renamed over the old one: node_exporter never reads
// half a file, and the temp name does not end in .prom so it never reads the temp file). Mode 0644 past
// the service's UMask=0027: node_exporter runs as another user, and the file holds no source address.
import type { Heartbeat } from "@ibsr/contract";
import { type WriteResult, writeFileAtomic } from "../snapshot/writer.js";
import { renderHeartbeatMetrics } from "./prometheus.js";

export const TEXTFILE_MODE = 0o644;

export function writeMetricsTextfile(path: string, hb: Heartbeat): Promise<WriteResult> {
  return writeFileAtomic(path, Buffer.from(renderHeartbeatMetrics(hb), "utf8"), { mode: TEXTFILE_MODE });
}
