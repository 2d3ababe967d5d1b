// A SnapshotInfo with plausible defaults for interval and coverage unit tests (ids are unique per process).
import type { SnapshotInfo } from "../ingest/intervals.js";

let sid = 0;

export function snapshotInfo(p: Partial<SnapshotInfo> & { ts: number }): SnapshotInfo {
  return {
    sid: sid++,
    format: "jsonl",
    file: "f",
    line: null,
    host: "h",
    iface: "i",
    runId: "1",
    seq: null,
    baseTs: 1000,
    intervalSec: 60,
    spanSec: null,
    rows: 1,
    ports: [],
    xdpMode: null,
    mapCapacity: null,
    liveEntries: null,
    globals: null,
    schemaVersion: 5,
    ...p,
  };
}
