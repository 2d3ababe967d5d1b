// The profile's entry point: options as the CLI passes them, the four files, the reference CLI's stdout, and
// errors that carry the project's exit codes.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { EXIT } from "../../exit-codes.js";
import { parseNow, runNrIbsrProfile } from "./index.js";

const SNAP =
  '{"version":5,"aggregation":"src_ip_dst_port","ts_unix_sec":2000,"interval_sec":60,"run_id":7,"counter_mode":"cumulative","base_ts_unix_sec":2000,"dst_ports":[443],"buckets":[{"key_type":"src_ip","src_ip":"198.18.0.9","dst_port":443,"syn":3000,"ack":0,"handshake_ack":0,"rst":0,"packets":3000,"bytes":180000}]}';

test("parseNow: unix seconds verbatim, ISO-8601 to seconds, errors exit 2", () => {
  assert.equal(parseNow("1005"), 1005n);
  assert.equal(parseNow("18446744073709551615"), 18446744073709551615n);
  assert.equal(parseNow("2023-11-14T22:13:20Z"), 1700000000n);
  assert.throws(
    () => parseNow("yesterday"),
    (e: unknown) => (e as { exitCode: number }).exitCode === EXIT.USAGE,
  );
});

test("runNrIbsrProfile writes the four files and the reference CLI's stdout", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nr-ibsr-run-"));
  try {
    mkdirSync(join(dir, "in"));
    writeFileSync(join(dir, "in", "snapshot_1.jsonl"), `${SNAP}\n`);
    writeFileSync(join(dir, "config.json"), '{"window_sec":10,"min_samples_for_fp":1}');
    const res = await runNrIbsrProfile({
      inputs: [join(dir, "in")],
      outDir: join(dir, "out"),
      configPath: join(dir, "config.json"),
      now: "2100",
    });
    assert.deepEqual(
      res.files.map((f) => f.slice(join(dir, "out").length + 1)),
      ["rules.json", "report.md", "evidence.csv", "summary.json"],
    );
    assert.match(readFileSync(join(dir, "out", "rules.json"), "utf8"), /"generated_at": 2100,/);
    assert.equal(
      readFileSync(join(dir, "out", "evidence.csv"), "utf8"),
      "source,abuse_class,syn_rate,success_ratio,decision,packets,bytes,syn\n198.18.0.9:443,SYN_FLOOD_LIKE,300.00,0.0000,block,3000,180000,3000\n",
    );
    assert.equal((res.summary as { run_id: number }).run_id, 7);
    assert.equal(
      res.stdout,
      `Generated files in ${join(dir, "out")}:\n  - rules.json\n  - report.md\n  - evidence.csv\n  - summary.json\n\nAnalyzed 1 sources, 1 would be blocked\n\nReadiness: SAFE for autonomous enforcement\n`,
    );
    // The allowlist and config errors map to exit 3, a bad snapshot line to exit 2, as the CLI reports them.
    writeFileSync(join(dir, "allow.txt"), "198.18.0.9 # lab\n");
    await assert.rejects(
      runNrIbsrProfile({
        inputs: [join(dir, "in")],
        outDir: join(dir, "o2"),
        allowlistPath: join(dir, "allow.txt"),
      }),
      (e: unknown) => (e as { exitCode: number }).exitCode === EXIT.CONFIG,
    );
    writeFileSync(join(dir, "in", "snapshot_2.jsonl"), "{}\n");
    await assert.rejects(
      runNrIbsrProfile({ inputs: [join(dir, "in")], outDir: join(dir, "o3") }),
      (e: unknown) =>
        (e as { exitCode: number }).exitCode === EXIT.USAGE && /snapshot_2\.jsonl:1: /.test(String(e)),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
