import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { CONFIG_KEYS, DEFAULT_CONFIG, loadConfigFile, resolveConfig } from "./config.js";
import { EXIT, ReportError } from "./exit-codes.js";

const dir = mkdtempSync(join(tmpdir(), "ibsr-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test("defaults are the spec's table", () => {
  assert.equal(DEFAULT_CONFIG.syn_rate_threshold, 100);
  assert.equal(DEFAULT_CONFIG.vol_byte_rate, 1_000_000);
  assert.equal(DEFAULT_CONFIG.block_duration_sec, 300);
  assert.equal(DEFAULT_CONFIG.max_rules, 10_000);
  assert.equal(CONFIG_KEYS.length, 14);
});

test("file then flags, flags win", () => {
  const p = file("a.json", JSON.stringify({ min_syn: 5, max_fp_pct: 2 }));
  const cfg = resolveConfig(loadConfigFile(p), { max_fp_pct: 3 });
  assert.equal(cfg.min_syn, 5);
  assert.equal(cfg.max_fp_pct, 3);
  assert.equal(cfg.syn_rate_threshold, 100);
});

test("unknown keys are named, exit 3", () => {
  const p = file("b.json", JSON.stringify({ min_syn: 5, window_sec: 10, foo: 1 }));
  assert.throws(
    () => loadConfigFile(p),
    (e: unknown) =>
      e instanceof ReportError && e.exitCode === EXIT.CONFIG && /"window_sec", "foo"/.test(e.message),
  );
});

test("bad values and bad JSON are rejected with the reason", () => {
  assert.throws(() => loadConfigFile(file("c.json", '{"min_syn": 1.5}')), /min_syn must be an integer/);
  assert.throws(
    () => loadConfigFile(file("d.json", '{"success_ratio_threshold": 2}')),
    /ratio between 0 and 1/,
  );
  assert.throws(() => loadConfigFile(file("e.json", "{not json")), /not valid JSON/);
  assert.throws(() => loadConfigFile(file("f.json", "[1]")), /must be a JSON object/);
  assert.throws(() => loadConfigFile(join(dir, "missing.json")), /cannot read config .*ENOENT/);
  assert.throws(
    () => resolveConfig({}, { block_duration_sec: 0 }),
    (e: unknown) =>
      e instanceof ReportError && e.exitCode === EXIT.USAGE && /--block-duration-sec/.test(e.message),
  );
});
