// A healthy heartbeat (host-a, eth0, 30 s before 2026-11-26T12:00:00Z, 60 s interval) for status and
// metrics tests; `over` changes what a test is about.
import type { Heartbeat } from "@ibsr/contract";

export function sampleHeartbeat(over: Partial<Heartbeat> = {}): Heartbeat {
  return {
    time: "2026-11-26T11:59:30.000Z",
    host: "host-a",
    iface: "eth0",
    runId: "r1",
    cycle: 5,
    seq: 5,
    intervalSec: 60,
    capacity: 100_000,
    liveEntries: 5000,
    fill: 0.05,
    inserts: 6000,
    estimatedEvictions: 1000,
    matchedPackets: 123_456,
    matchedBytes: 9_000_000,
    matchedSyn: 700,
    drainMs: 4,
    writeMs: 20,
    rssBytes: 90_000_000,
    peakRssBytes: 95_000_000,
    writeOk: true,
    writeErrorsTotal: 0,
    writeErrorsConsecutive: 0,
    lastErrno: null,
    lastError: null,
    lastSnapshotPath: "/out/ibsr-eth0-r1-00000005.parquet",
    ...over,
  };
}
