// ibsr-report as an operator runs it: exit codes, error texts, atomic and deterministic output.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { nrIbsrFixture, steady, writeJsonlRun, writeParquetRun } from "@ibsr/report/testing";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "../packages/report/src/cli.ts");
const root = mkdtempSync(join(tmpdir(), "ibsr-report-cli-"));
after(() => rmSync(root, { recursive: true, force: true }));
const BASE = 1_700_000_000;

function run(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), cli, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const data = join(root, "snaps");
writeParquetRun(data, {
  baseTs: BASE,
  intervalSec: 60,
  snapshots: steady(BASE, 60, 12, (i) => [
    ...Array.from({ length: 12 }, (_, j) => ({
      src: `198.18.100.${j + 1}`,
      port: 80,
      syn: 6,
      handshake_ack: 6,
      packets: 120,
      bytes: 12_000,
    })),
    ...(i >= 4 && i <= 6
      ? [{ src: "198.18.5.5", port: 80, syn: 12_000, packets: 12_000, bytes: 720_000 }]
      : []),
    ...(i >= 4 && i <= 6
      ? [{ src: "2001:2:0:9::/64", port: 443, syn: 12_000, packets: 12_000, bytes: 720_000 }]
      : []),
  ]),
});

describe("ibsr-report CLI", () => {
  test("writes every output atomically and exits 0", () => {
    const out = join(root, "out1");
    const r = run([data, "-o", out, "--format", "json,csv", "-q"]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "");
    assert.deepEqual(readdirSync(out).sort(), [
      ".ibsr-report",
      "evidence.csv",
      "evidence.parquet",
      "rules.json",
      "rules.nft",
      "rules.txt",
      "summary.json",
    ]);
    assert.deepEqual(
      readdirSync(root).filter((n) => n.includes(".tmp-") || n.includes(".old-")),
      [],
      "no temporary sibling left behind",
    );
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.equal(summary.verdict.outcome, "READY");
    assert.equal(summary.readiness.safe, true);
    assert.deepEqual(
      summary.sources.map((s: { src: string }) => s.src),
      ["198.18.5.5", "2001:2:0:9::/64"],
    );
    const csv = readFileSync(join(out, "evidence.csv"), "utf8").split("\n");
    assert.equal(csv[0], "source,abuse_class,syn_rate,success_ratio,decision,packets,bytes,syn");
    assert.ok(
      csv.includes("[2001:2:0:9::/64]:443,SYN_FLOOD_LIKE,200.00,0.0000,block,36000,2160000,36000"),
      csv.join("\n"),
    );
  });

  test("the same input and options give the same bytes", () => {
    const a = join(root, "det-a");
    const b = join(root, "det-b");
    assert.equal(run([data, "-o", a, "--format", "json,csv", "-q"]).code, 0);
    assert.equal(run([data, "-o", b, "--format", "json,csv", "-q"]).code, 0);
    for (const f of ["summary.json", "rules.json", "rules.nft", "rules.txt", "evidence.csv"])
      assert.equal(readFileSync(join(a, f), "utf8"), readFileSync(join(b, f), "utf8"), f);
  });

  test("evidence.parquet holds the full table, readable by DuckDB", async () => {
    const out = join(root, "out1");
    const db = await DuckDBInstance.create(":memory:");
    const c = await db.connect();
    try {
      const rows = (
        await c.runAndReadAll(
          `SELECT count(*)::INTEGER n, sum(would_drop_syn)::BIGINT d FROM '${join(out, "evidence.parquet")}'`,
        )
      ).getRowObjectsJS();
      assert.equal(rows[0]?.n, 14);
      assert.equal(rows[0]?.d, 2n * 24_000n);
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });

  test("--json prints summary.json on stdout; the default directory is named after generated_at", () => {
    const cwd = join(root, "cwd");
    mkdirSync(cwd);
    const r = run([data, "--json", "--format", "json"], cwd);
    assert.equal(r.code, 0, r.err);
    const summary = JSON.parse(r.out);
    assert.equal(summary.generated_at, BASE + 720);
    assert.ok(existsSync(join(cwd, "ibsr-report-2023-11-14", "summary.json")));
  });

  test("--dst-ports filters rows, --now sets generated_at", () => {
    const out = join(root, "ports");
    assert.equal(
      run([data, "-o", out, "--dst-ports", "443", "--now", "2026-01-01T00:00:00Z", "--format", "json", "-q"])
        .code,
      0,
    );
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.deepEqual(summary.input.dst_ports, [443]);
    assert.equal(summary.generated_at, Date.parse("2026-01-01T00:00:00Z") / 1000);
    assert.deepEqual(
      summary.sources.map((s: { src: string }) => s.src),
      ["2001:2:0:9::/64"],
    );
  });

  test("exit 2: missing input, no usable snapshot, bad flag", () => {
    let r = run([join(root, "nope"), "-o", join(root, "x")]);
    assert.equal(r.code, 2);
    assert.match(r.err, /nope: ENOENT/);
    const empty = join(root, "empty");
    mkdirSync(empty);
    writeFileSync(join(empty, "junk.jsonl"), "not json\n");
    r = run([empty, "-o", join(root, "x")]);
    assert.equal(r.code, 2);
    assert.match(r.err, /no usable snapshot/);
    assert.match(r.err, /junk\.jsonl:1/);
    r = run([data, "--syn-rate-threshold", "-5"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /syn-rate-threshold/);
    r = run([data, "--since", "yesterday-ish"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /--since "yesterday-ish": not a time/);
  });

  test("--help lists every threshold flag, the examples and the exit codes", () => {
    const r = run(["--help"]);
    assert.equal(r.code, 0, r.err);
    for (const flag of [
      "--syn-rate-threshold",
      "--max-rules",
      "--allowlist",
      "--since",
      "--profile",
      "--format",
    ]) {
      assert.ok(r.out.includes(flag), flag);
    }
    assert.match(r.out, /Examples:/);
    assert.match(
      r.out.replace(/\s+/g, " "),
      /Exit codes: 0 ok .* 1 I\/O failure, 2 usage or no usable input, 3 bad allowlist or config/,
    );
  });

  test("--since -1h works as typed (not taken for short flags)", () => {
    const out = join(root, "since-rel");
    const r = run([data, "-o", out, "--since", "-1h", "--json", "-q"]);
    assert.equal(r.code, 0, r.err);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.equal(summary.input.since, summary.generated_at - 3600);
  });

  test("exit 3: a bad allowlist names file:line; an unknown config key is named", () => {
    const al = join(root, "allow.txt");
    writeFileSync(al, "198.18.0.1\n# fine\n10.0.0.300/24\n");
    let r = run([data, "-o", join(root, "x"), "--allowlist", al]);
    assert.equal(r.code, 3);
    assert.match(r.err, /allow\.txt:3/);
    const cfg = join(root, "cfg.json");
    writeFileSync(cfg, JSON.stringify({ syn_rate_threshold: 50, syn_rate: 3 }));
    r = run([data, "-o", join(root, "x"), "--config", cfg]);
    assert.equal(r.code, 3);
    assert.match(r.err, /unknown key "syn_rate"/);
  });

  test("a config file sets thresholds; flags override it", () => {
    const cfg = join(root, "cfg2.json");
    writeFileSync(cfg, JSON.stringify({ syn_rate_threshold: 50, max_rules: 7 }));
    const out = join(root, "cfgout");
    assert.equal(
      run([data, "-o", out, "--config", cfg, "--max-rules", "9", "--format", "json", "-q"]).code,
      0,
    );
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.equal(summary.config.syn_rate_threshold, 50);
    assert.equal(summary.config.max_rules, 9);
  });

  test("--profile nr-ibsr runs the reference-conformance profile", () => {
    const fx = nrIbsrFixture("syn_churn_attacker");
    const out = join(root, "nr");
    const r = run([
      join(fx, "snapshots"),
      "--profile",
      "nr-ibsr",
      "-o",
      out,
      "--config",
      join(fx, "config.json"),
      "--now",
      "1000",
      "-q",
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(
      readFileSync(join(out, "rules.json"), "utf8"),
      readFileSync(join(fx, "expected", "rules.json"), "utf8"),
    );
  });

  test("legacy JSONL works too, with the host from the folder name", () => {
    const d = join(root, "legacy", "web-1");
    writeJsonlRun(d, {
      baseTs: BASE,
      intervalSec: 60,
      snapshots: steady(BASE, 60, 5, () => [{ src: "198.18.0.1", port: 80, syn: 1, packets: 2, bytes: 100 }]),
    });
    const out = join(root, "legacy-out");
    const r = run([join(root, "legacy"), "-o", out, "--format", "json", "-q"]);
    assert.equal(r.code, 0, r.err);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.deepEqual(summary.input.hosts, ["web-1"]);
    assert.equal(summary.verdict.outcome, "NOTHING_TO_ENFORCE");
  });
});
