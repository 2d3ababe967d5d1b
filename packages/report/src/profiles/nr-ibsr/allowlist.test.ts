import assert from "node:assert/strict";
import { test } from "node:test";
import { allowlistContains, parseAllowlist } from "./allowlist.js";
import { parseConfig } from "./config.js";
import { parseIpv4 } from "./ipv4.js";

const ip = (s: string): number => parseIpv4(s)!;

test("allowlist: IPs are a set, CIDRs a list with duplicates, host bits masked, /0 matches all", () => {
  const a = parseAllowlist(
    "# comment\n\n 10.0.0.1 \n10.0.0.1\n10.0.1.5/24\n10.0.1.0/24\n192.168.0.9/+32\n172.16.0.0/024\r\n",
    "allow.txt",
  );
  assert.equal(a.ips.size, 1);
  assert.deepEqual(
    a.cidrs.map((c) => [c.network, c.prefixLen]),
    [
      [ip("10.0.1.0"), 24],
      [ip("10.0.1.0"), 24],
      [ip("192.168.0.9"), 32],
      [ip("172.16.0.0"), 24],
    ],
  );
  assert.ok(allowlistContains(a, ip("10.0.0.1")));
  assert.ok(allowlistContains(a, ip("10.0.1.200")));
  assert.ok(!allowlistContains(a, ip("10.0.2.1")));
  assert.ok(!allowlistContains(a, ip("192.168.0.8")));
  assert.ok(allowlistContains(parseAllowlist("0.0.0.0/0", "x"), ip("203.0.113.7")));
});

test("allowlist: errors name the file, the line and the text", () => {
  assert.throws(
    () => parseAllowlist("10.0.0.1\n10.0.0.2 # office\n", "a.txt"),
    /a\.txt: line 2: invalid IP address: 10\.0\.0\.2 # office/,
  );
  assert.throws(
    () => parseAllowlist("10.0.0.0/33", "a.txt"),
    /line 1: invalid CIDR notation: 10\.0\.0\.0\/33/,
  );
  assert.throws(() => parseAllowlist("10.0.0.0/8/8", "a.txt"), /invalid CIDR notation/);
  assert.throws(() => parseAllowlist("2001:2::/48", "a.txt"), /invalid CIDR notation/);
  assert.throws(() => parseAllowlist("010.0.0.1", "a.txt"), /invalid IP address/);
});

test("config.json: the reference's members with serde's types; defaults for absent ones", () => {
  const c = parseConfig(
    '{"dst_ports":[8080],"window_sec":8,"syn_rate_threshold":100,"success_ratio_threshold":0.1,"block_duration_sec":300,"fp_safe_ratio":0.5,"min_samples_for_fp":1,"vol_pkt_rate":2000,"other":true}',
    "config.json",
  );
  assert.equal(c.windowSec, 8n);
  assert.equal(c.synRateThreshold, 100);
  assert.equal(c.minSamplesForFp, 1n);
  assert.equal(c.volPktRate, 2000);
  assert.equal(c.volSynRate, 500, "absent vol_syn_rate keeps the reference default");
  assert.deepEqual(parseConfig("{}", "c").windowSec, 10n);
  assert.throws(
    () => parseConfig('{"window_sec":10.0}', "c.json"),
    /c\.json: window_sec: invalid type: floating point/,
  );
  assert.throws(
    () => parseConfig('{"syn_rate_threshold":"100"}', "c.json"),
    /syn_rate_threshold: expected a number/,
  );
  assert.throws(() => parseConfig("[1]", "c.json"), /expected a JSON object/);
});
