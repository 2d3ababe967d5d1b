import assert from "node:assert/strict";
import { test } from "node:test";
import {
  formatBytes,
  formatCompact,
  formatDecimal,
  formatDuration,
  formatInt,
  formatNumber,
  formatPct,
  formatRatio,
  formatShare,
  formatTimestamp,
  plural,
} from "./format.js";

test("formatInt: thousands separators for number and bigint", () => {
  assert.equal(formatInt(0), "0");
  assert.equal(formatInt(999), "999");
  assert.equal(formatInt(1000), "1,000");
  assert.equal(formatInt(1234567), "1,234,567");
  assert.equal(formatInt(-1234), "-1,234");
  assert.equal(formatInt(12345678901234567890n), "12,345,678,901,234,567,890");
  assert.equal(formatInt(Number.NaN), "—");
});

test("formatDecimal keeps the fraction and separates thousands", () => {
  assert.equal(formatDecimal(12345.678, 1), "12,345.7");
  assert.equal(formatDecimal(-0.04, 1), "0.0");
  assert.equal(formatDecimal(-2.5, 2), "-2.50");
});

test("formatPct: precision follows size; unknown stays unknown", () => {
  assert.equal(formatPct(0), "0%");
  assert.equal(formatPct(100), "100%");
  assert.equal(formatPct(0.004), "<0.01%");
  assert.equal(formatPct(0.345), "0.34%");
  assert.equal(formatPct(3.44), "3.4%");
  assert.equal(formatPct(42), "42%");
  assert.equal(formatPct(41.96), "42%");
  assert.equal(formatPct(41.94), "41.9%");
  assert.equal(formatPct(99.96), ">99.9%");
  assert.equal(formatPct(null), "unknown");
  assert.equal(formatShare(1n, 3n), "33.3%");
  assert.equal(formatShare(5, 0), "0%");
});

test("formatNumber, formatRatio, formatCompact, formatBytes", () => {
  assert.equal(formatNumber(1234.5), "1,235");
  assert.equal(formatNumber(12.345), "12.3");
  assert.equal(formatNumber(1.234), "1.23");
  assert.equal(formatNumber(50), "50");
  assert.equal(formatNumber(null), "—");
  assert.equal(formatRatio(0.256), "0.26");
  assert.equal(formatRatio(null), "—");
  assert.equal(formatCompact(999), "999");
  assert.equal(formatCompact(50), "50");
  assert.equal(formatCompact(2.5), "2.50");
  assert.equal(formatCompact(1234), "1.2k");
  assert.equal(formatCompact(999_960), "1M");
  assert.equal(formatCompact(5_000_000), "5M");
  assert.equal(formatCompact(250_000), "250k");
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(1_500_000n), "1.5 MB");
});

test("formatDuration reads naturally", () => {
  assert.equal(formatDuration(0), "0 s");
  assert.equal(formatDuration(0.25), "0.25 s");
  assert.equal(formatDuration(45), "45 s");
  assert.equal(formatDuration(300), "5 min");
  assert.equal(formatDuration(3900), "1 h 5 min");
  assert.equal(formatDuration(90061), "1 d 1 h");
});

test("formatTimestamp is UTC, from unix seconds or ISO text", () => {
  assert.equal(formatTimestamp(0), "1970-01-01 00:00:00 UTC");
  assert.equal(formatTimestamp("2026-11-26T05:34:16Z"), "2026-11-26 05:34:16 UTC");
  assert.equal(formatTimestamp(1.9), "1970-01-01 00:00:01 UTC");
  assert.equal(formatTimestamp(null), "—");
  assert.equal(plural(1, "source"), "1 source");
  assert.equal(plural(10_000n, "source"), "10,000 sources");
});
