import assert from "node:assert/strict";
import { test } from "node:test";
import { isoSeconds, parseTimeSpec, resolveTimeSpec } from "./timespec.js";

test("unix, ISO 8601 and relative times", () => {
  assert.deepEqual(parseTimeSpec("1700000000", "--since"), { kind: "abs", t: 1_700_000_000 });
  assert.deepEqual(parseTimeSpec("2023-11-14T22:13:20Z", "--since"), { kind: "abs", t: 1_700_000_000 });
  assert.deepEqual(parseTimeSpec("2023-11-14", "--since"), { kind: "abs", t: 1_699_920_000 });
  assert.deepEqual(parseTimeSpec("-24h", "--since"), { kind: "rel", offsetSec: -86_400 });
  assert.deepEqual(parseTimeSpec("-90m", "--since"), { kind: "rel", offsetSec: -5400 });
  assert.equal(resolveTimeSpec(parseTimeSpec("-2d", "--since"), 1_000_000), 1_000_000 - 172_800);
  assert.equal(resolveTimeSpec(null, 5), null);
  assert.throws(() => parseTimeSpec("last week", "--until"), /--until "last week": not a time/);
  assert.equal(isoSeconds(1_700_000_000.7), "2023-11-14T22:13:20Z");
});

test("only real calendar dates within 1970..9999 and bounded offsets are times", () => {
  assert.deepEqual(parseTimeSpec("2024-02-29", "--since"), { kind: "abs", t: 1_709_164_800 });
  assert.deepEqual(parseTimeSpec("2023-11-14T23:13:20+01:00", "--since"), { kind: "abs", t: 1_700_000_000 });
  assert.deepEqual(parseTimeSpec("2023-11-14T22:13:20", "--since"), { kind: "abs", t: 1_700_000_000 });
  assert.deepEqual(parseTimeSpec("2023-11-14T22:13Z", "--since"), { kind: "abs", t: 1_699_999_980 });
  assert.deepEqual(parseTimeSpec("9999-12-31T23:59:59Z", "--now"), { kind: "abs", t: 253_402_300_799 });
  for (const [text, why] of [
    ["2026-02-30", /has no day 30/],
    ["2025-02-29", /has no day 29/],
    ["2026-13-01", /month 13/],
    ["2026-01-01T24:00Z", /not a time of day/],
    ["2026-01-01T10:00+25:00", /not a UTC offset/],
    ["1969-12-31T23:59:59Z", /out of range/],
    ["99999999999999999999", /out of range/],
    ["-100000000000w", /out of range/],
    ["", /not a time/],
  ] as const)
    assert.throws(() => parseTimeSpec(text, "--since"), why, text);
});

test("a time without an offset is UTC whatever the machine's time zone (TZ)", () => {
  const saved = process.env.TZ;
  try {
    for (const tz of ["America/New_York", "Asia/Kolkata", "Pacific/Chatham"]) {
      process.env.TZ = tz;
      // The time zone really applies in this process: local midnight is not UTC midnight there.
      assert.notEqual(new Date(2026, 10, 25).getTime() / 1000, Date.UTC(2026, 10, 25) / 1000, tz);
      const utcMidnight = Date.UTC(2026, 10, 25) / 1000;
      assert.deepEqual(parseTimeSpec("2026-11-25T00:00:00", "--since"), { kind: "abs", t: utcMidnight }, tz);
      assert.deepEqual(parseTimeSpec("2026-11-25", "--since"), { kind: "abs", t: utcMidnight }, tz);
      assert.deepEqual(parseTimeSpec("2026-11-25 00:00", "--since"), { kind: "abs", t: utcMidnight }, tz);
      assert.equal(isoSeconds(utcMidnight), "2026-11-25T00:00:00Z", tz);
    }
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});
