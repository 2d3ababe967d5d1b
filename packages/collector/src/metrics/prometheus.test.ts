import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Heartbeat } from "@ibsr/contract";
import { statusCommand } from "../commands/status.js";
import { HeartbeatWriter } from "../snapshot/heartbeat.js";
import { PROMTOOL, promtoolCheckMetrics, requirePromtool } from "../testing/promtool.js";
import { sampleHeartbeat } from "../testing/sample-heartbeat.js";
import { METRIC_NAMES, renderHeartbeatMetrics } from "./prometheus.js";
import { writeMetricsTextfile } from "./textfile.js";

const OPERATE_MD = fileURLToPath(new URL("../../../../docs/operate.md", import.meta.url));
const NOW = new Date("2026-11-26T12:00:00.000Z");

function beat(over: Partial<Heartbeat> = {}): Heartbeat {
  return sampleHeartbeat({
    evictionLossPackets: 0,
    evictionLossTotalPackets: 12,
    drainMs: 4.5,
    writeErrorsTotal: 2,
    lastErrno: "ENOSPC",
    lastError: "no space",
    lastSnapshotTime: "2026-11-26T11:59:30.000Z",
    xdpMode: "native",
    ...over,
  });
}

/** name{labels} value lines as a map (comments left out). */
function samples(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const sp = line.lastIndexOf(" ");
    m.set(line.slice(0, sp), line.slice(sp + 1));
  }
  return m;
}

test("one heartbeat: every fact under its name, units in seconds and bytes, and promtool finds nothing", (t) => {
  const text = renderHeartbeatMetrics(beat());
  const s = samples(text);
  const l = '{host="host-a",iface="eth0"}';
  assert.equal(s.get('ibsr_collector_info{host="host-a",iface="eth0",xdp_mode="native"}'), "1");
  assert.equal(s.get(`ibsr_map_entries${l}`), "5000");
  assert.equal(s.get(`ibsr_map_capacity_entries${l}`), "100000");
  assert.equal(s.get(`ibsr_map_fill_ratio${l}`), "0.05");
  assert.equal(s.get(`ibsr_map_evictions_total${l}`), "1000");
  assert.equal(s.get(`ibsr_drain_duration_seconds${l}`), "0.0045");
  assert.equal(s.get(`ibsr_write_duration_seconds${l}`), "0.02");
  assert.equal(s.get(`ibsr_snapshot_write_errors_total${l}`), "2");
  assert.equal(s.get(`ibsr_resident_memory_bytes${l}`), "90000000");
  assert.equal(
    s.get(`ibsr_last_snapshot_timestamp_seconds${l}`),
    String(Date.parse("2026-11-26T11:59:30Z") / 1000),
  );
  assert.equal(s.get(`ibsr_matched_packets_total${l}`), "123456");
  assert.equal(s.get(`ibsr_snapshot_cycles_total${l}`), "6");
  assert.ok(
    !text.includes("ibsr_collector_healthy"),
    "health is the status reader's verdict, not the collector's",
  );
  if (!requirePromtool(t)) return;
  const r = promtoolCheckMetrics(text);
  assert.ok(r.ok, r.output);
});

test("promtool rejects what the renderer must never write (the check can fail)", (t) => {
  if (!requirePromtool(t)) return;
  const broken = renderHeartbeatMetrics(beat()).replace("ibsr_map_evictions_total", "ibsr_map_evictions");
  assert.equal(promtoolCheckMetrics(broken).ok, false);
});

test("hostile label values are escaped; a field that is not a number gives no sample", (t) => {
  const hb = beat({
    host: 'we"ird\\host\nx',
    xdpMode: undefined,
    lastSnapshotTime: null,
    fill: "lots" as unknown as number,
  });
  const text = renderHeartbeatMetrics(hb);
  assert.match(text, /host="we\\"ird\\\\host\\nx"/);
  assert.match(text, /xdp_mode="unknown"/);
  assert.ok(!text.includes("ibsr_map_fill_ratio"), "no family without a sample");
  assert.ok(!text.includes("ibsr_last_snapshot_timestamp_seconds"), "no snapshot yet: no timestamp");
  if (!requirePromtool(t)) return;
  const r = promtoolCheckMetrics(text);
  assert.ok(r.ok, r.output);
});

test("status --format prometheus: each collector with its verdict, same exit codes as text", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ibsr-metrics-"));
  try {
    await new HeartbeatWriter(dir, "host-a", "eth0").append(beat());
    await new HeartbeatWriter(dir, "host-b", "eth1").append(
      beat({ host: "host-b", iface: "eth1", time: "2026-11-26T10:00:00.000Z", xdpMode: "generic" }),
    );
    let text = "";
    const code = await statusCommand({
      outDir: dir,
      format: "prometheus",
      now: NOW,
      out: (x) => (text += x),
    });
    assert.equal(code, 1, "host-b is stale: unhealthy, as `status` says in text");
    const s = samples(text);
    assert.equal(s.get('ibsr_collector_healthy{host="host-a",iface="eth0"}'), "1");
    assert.equal(s.get('ibsr_collector_healthy{host="host-b",iface="eth1"}'), "0");
    assert.equal(s.get('ibsr_collector_info{host="host-b",iface="eth1",xdp_mode="generic"}'), "1");
    assert.equal(s.get("ibsr_status_unreadable_heartbeat_files"), "0");
    // One HELP/TYPE per family, its samples together.
    assert.equal(text.match(/^# TYPE ibsr_map_entries /gm)?.length, 1);
    if (!requirePromtool(t)) return;
    const r = promtoolCheckMetrics(text);
    assert.ok(r.ok, r.output);
    let empty = "";
    const none = await statusCommand({
      outDir: join(dir, "nothing"),
      format: "prometheus",
      now: NOW,
      out: (x) => (empty += x),
    });
    assert.equal(none, 2);
    assert.ok(promtoolCheckMetrics(empty).ok, empty);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the textfile is replaced atomically, 0644 past the umask, with no temp file left", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ibsr-metrics-"));
  const path = join(dir, "ibsr.prom");
  const oldMask = process.umask(0o027);
  try {
    writeFileSync(path, "old\n");
    const w = await writeMetricsTextfile(path, beat());
    assert.ok(w.ok);
    assert.equal(readFileSync(path, "utf8"), renderHeartbeatMetrics(beat()));
    assert.equal(statSync(path).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(dir), ["ibsr.prom"]);
  } finally {
    process.umask(oldMask);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("docs/operate.md's Metrics section lists every metric name, and no other ibsr_ name", () => {
  const doc = readFileSync(OPERATE_MD, "utf8");
  const start = doc.indexOf("\n### Metrics");
  assert.ok(start >= 0, "docs/operate.md has a ### Metrics section");
  const end = doc.indexOf("\n## ", start);
  const section = doc.slice(start, end < 0 ? undefined : end);
  for (const name of METRIC_NAMES)
    assert.ok(section.includes(`\`${name}\``), `docs/operate.md does not list ${name}`);
  const mentioned = new Set(section.match(/\bibsr_[a-z_]+\b/g) ?? []);
  for (const name of mentioned)
    assert.ok(METRIC_NAMES.includes(name), `docs/operate.md names ${name}, which is not written`);
});

test("the alert rules in docs/operate.md pass `promtool check rules` and use only metrics that exist", (t) => {
  const doc = readFileSync(OPERATE_MD, "utf8");
  const at = doc.indexOf("### Alerts worth setting");
  const m = /```yaml\n([\s\S]*?)```/.exec(doc.slice(at));
  assert.ok(at >= 0 && m, "an alert rules block in docs/operate.md");
  const rules = m[1]!;
  for (const name of rules.match(/\bibsr_[a-z_]+\b/g) ?? [])
    assert.ok(METRIC_NAMES.includes(name), `the rules use ${name}, which is not written`);
  if (!requirePromtool(t)) return;
  const dir = mkdtempSync(join(tmpdir(), "ibsr-rules-"));
  try {
    writeFileSync(join(dir, "ibsr.rules.yml"), rules);
    const r = spawnSync(PROMTOOL, ["check", "rules", join(dir, "ibsr.rules.yml")], { encoding: "utf8" });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
