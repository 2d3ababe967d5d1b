import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { type Heartbeat, HeartbeatWriter } from "../snapshot/heartbeat.js";
import { sampleHeartbeat } from "../testing/sample-heartbeat.js";
import { FUTURE_TOLERANCE_SEC, type StatusFormat, type StatusReport, statusCommand } from "./status.js";

const NOW = new Date("2026-11-26T12:00:00.000Z");

const beat = sampleHeartbeat;

async function run(dir: string, json: boolean | StatusFormat): Promise<{ code: number; text: string }> {
  let text = "";
  const format = json === true ? "json" : json === false ? "text" : json;
  const code = await statusCommand({ outDir: dir, format, now: NOW, out: (t) => (text += t) });
  return { code, text };
}

async function withBeats(beats: Heartbeat[][], fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ibsr-status-"));
  try {
    for (const series of beats) {
      for (const b of series) await new HeartbeatWriter(dir, b.host, b.iface).append(b);
    }
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("ibsr-collect status", () => {
  test("no heartbeat at all: exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ibsr-status-"));
    try {
      const { code, text } = await run(dir, false);
      assert.equal(code, 2);
      assert.match(text, /no collector data/);
      const j = await run(join(dir, "missing"), true);
      assert.equal(j.code, 2);
      assert.equal((JSON.parse(j.text) as StatusReport).status, "no-data");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("fresh heartbeat, writes fine, map not full: healthy, exit 0", async () => {
    await withBeats([[beat({ cycle: 4, time: "2026-11-26T11:58:30.000Z" }), beat()]], async (dir) => {
      const { code, text } = await run(dir, false);
      assert.equal(code, 0, text);
      assert.match(text, /^HEALTHY: 1 collector\(s\)/);
      assert.match(
        text,
        /host=host-a iface=eth0: healthy, last heartbeat 2026-11-26T11:59:30.000Z \(30 s ago\), cycle 5/,
      );
      const j = JSON.parse((await run(dir, true)).text) as StatusReport;
      assert.equal(j.status, "healthy");
      assert.equal(j.collectors[0]!.ageSec, 30);
      assert.deepEqual(j.collectors[0]!.reasons, []);
    });
  });

  const unhealthy: { name: string; beats: Heartbeat[]; reason: RegExp }[] = [
    {
      name: "stale: older than two intervals",
      beats: [beat({ time: "2026-11-26T11:57:59.000Z" })],
      reason: /last heartbeat 121 s ago, more than 2 intervals of 60 s/,
    },
    {
      name: "stale with a short interval",
      beats: [beat({ time: "2026-11-26T11:59:30.000Z", intervalSec: 10 })],
      reason: /more than 2 intervals of 10 s/,
    },
    {
      name: "the last write failed",
      beats: [
        beat({ cycle: 4 }),
        beat({
          writeOk: false,
          writeErrorsTotal: 2,
          writeErrorsConsecutive: 2,
          lastErrno: "ENOSPC",
          lastError: "no space left",
        }),
      ],
      reason: /snapshot writes failing: 2 in a row, last ENOSPC \(no space left\)/,
    },
    {
      name: "a recent write failed, the last succeeded",
      beats: [
        beat({ cycle: 3 }),
        beat({ cycle: 4, writeOk: false, lastErrno: "EROFS", writeErrorsTotal: 1 }),
        beat({ lastErrno: "EROFS", writeErrorsTotal: 1 }),
      ],
      reason: /1 of the last 3 snapshot writes failed \(last EROFS\)/,
    },
    {
      name: "map near full",
      beats: [beat({ fill: 0.95, liveEntries: 95_000 })],
      reason: /map 95.0% full \(95000\/100000\).*raise --map-size/,
    },
    {
      // Two flow maps: the IPv6 one evicts while the sum is at 30 %.
      name: "one family's map near full, the sum not",
      beats: [
        beat({
          fill: 0.3,
          liveEntries: 30_000,
          families: {
            ipv4: { capacity: 75_000, liveEntries: 5_600, fill: 5_600 / 75_000 },
            ipv6: { capacity: 25_000, liveEntries: 24_400, fill: 24_400 / 25_000 },
          },
        }),
      ],
      reason: /IPv6 map 97.6% full \(24400\/25000\).*raise --map-size/,
    },
    {
      name: "a heartbeat from the future (year 9999)",
      beats: [beat({ time: "9999-01-01T00:00:00.000Z" })],
      reason:
        /last heartbeat 9999-01-01T00:00:00\.000Z is [\d.]+ [a-z]+ later than now \(2026-11-26T12:00:00\.000Z\), more than the 30 s allowed: clock skew or a heartbeat from the future/,
    },
    {
      name: "a heartbeat a few minutes ahead (clock skew)",
      beats: [beat({ time: "2026-11-26T12:05:00.000Z" })],
      reason: /is 300 s later than now .*clock skew or a heartbeat from the future/,
    },
    {
      name: "stopped cleanly",
      beats: [beat({ final: true })],
      reason: /collector stopped at .* \(clean shutdown\)/,
    },
  ];
  for (const c of unhealthy) {
    test(`unhealthy, exit 1: ${c.name}`, async () => {
      await withBeats([c.beats], async (dir) => {
        const { code, text } = await run(dir, false);
        assert.equal(code, 1, text);
        assert.match(text, /^UNHEALTHY/);
        assert.match(text, c.reason);
        const j = JSON.parse((await run(dir, true)).text) as StatusReport;
        assert.equal(j.status, "unhealthy");
        assert.ok(j.collectors[0]!.reasons.some((r) => c.reason.test(r)));
      });
    });
  }

  test(`a heartbeat up to ${FUTURE_TOLERANCE_SEC} s ahead is healthy (clocks a little apart)`, async () => {
    const ahead = new Date(NOW.getTime() + FUTURE_TOLERANCE_SEC * 1000).toISOString();
    await withBeats([[beat({ time: ahead })]], async (dir) => {
      const { code, text } = await run(dir, false);
      assert.equal(code, 0, text);
      assert.match(text, /in 30 s, from the future/);
    });
  });

  test("a write failure older than the last three heartbeats no longer counts", async () => {
    await withBeats(
      [
        [
          beat({ cycle: 1, writeOk: false, lastErrno: "EIO" }),
          beat({ cycle: 2 }),
          beat({ cycle: 3 }),
          beat({ cycle: 4 }),
        ],
      ],
      async (dir) => assert.equal((await run(dir, false)).code, 0),
    );
  });

  test("several interfaces: one unhealthy makes the whole unhealthy", async () => {
    await withBeats([[beat()], [beat({ iface: "eth1", time: "2026-11-26T10:00:00.000Z" })]], async (dir) => {
      const j = JSON.parse((await run(dir, true)).text) as StatusReport;
      assert.equal(j.status, "unhealthy");
      assert.deepEqual(
        j.collectors.map((c) => [c.iface, c.healthy]),
        [
          ["eth0", true],
          ["eth1", false],
        ],
      );
    });
  });

  test("a torn last line (crash mid-append) falls back to the previous one", async () => {
    await withBeats([[beat()]], async (dir) => {
      const path = join(dir, "host=host-a", "status-eth0.jsonl");
      writeFileSync(path, `${JSON.stringify(beat())}\n{"time":"2026-11-26T11:59:`, { flag: "w" });
      assert.equal((await run(dir, false)).code, 0);
    });
  });

  test("right after rotation the .1 generation supplies the history", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ibsr-status-"));
    try {
      mkdirSync(join(dir, "host=host-a"));
      const path = join(dir, "host=host-a", "status-eth0.jsonl");
      writeFileSync(`${path}.1`, `${JSON.stringify(beat({ cycle: 4, writeOk: false, lastErrno: "EIO" }))}\n`);
      writeFileSync(path, `${JSON.stringify(beat())}\n`);
      const { code, text } = await run(dir, false);
      assert.equal(code, 1);
      assert.match(text, /1 of the last 2 snapshot writes failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an unreadable heartbeat file: unhealthy (exit 1), beside a healthy one or alone", async () => {
    await withBeats([[beat()]], async (dir) => {
      writeFileSync(join(dir, "host=host-a", "status-eth9.jsonl"), "garbage\n");
      const j = JSON.parse((await run(dir, true)).text) as StatusReport;
      assert.equal(j.status, "unhealthy");
      assert.deepEqual(j.unreadable, [join(dir, "host=host-a", "status-eth9.jsonl")]);
    });
    const dir = mkdtempSync(join(tmpdir(), "ibsr-status-"));
    try {
      mkdirSync(join(dir, "host=h"));
      writeFileSync(join(dir, "host=h", "status-eth0.jsonl"), "");
      writeFileSync(join(dir, "host=h", "status-eth1.jsonl"), "garbage\n\u0000\u0001{not json\n");
      const { code, text } = await run(dir, false);
      assert.equal(code, 1, text);
      assert.match(text, /^UNHEALTHY: 0 collector\(s\)/);
      assert.match(text, /unreadable heartbeat file .*status-eth0\.jsonl: no readable heartbeat line/);
      assert.match(text, /unreadable heartbeat file .*status-eth1\.jsonl/);
      const j = JSON.parse((await run(dir, true)).text) as StatusReport;
      assert.equal(j.status, "unhealthy");
      assert.equal(j.unreadable.length, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
