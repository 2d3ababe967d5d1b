import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { EnvironmentError } from "../errors.js";
import {
  defaultRouteInterface,
  interfaceInfo,
  listInterfaces,
  parseOffloads,
  parseRoute4,
  parseRoute6,
  requireInterface,
  resolveDefaultInterface,
} from "./iface.js";

const ROUTE4 = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth1\t0012A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
wlan0\t00000000\t0102A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
down0\t00000000\t010200C0\t0002\t0\t0\t1\t00000000\t0\t0\t0
`;

const ROUTE6 = `00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     ens5
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
`;

describe("default route", () => {
  test("IPv4: lowest metric among up default routes", () => {
    assert.equal(parseRoute4(ROUTE4), "eth0");
  });
  test("IPv4: none", () => {
    assert.equal(parseRoute4(ROUTE4.split("\n").slice(0, 2).join("\n")), null);
    assert.equal(parseRoute4(""), null);
  });
  test("IPv6: ::/0 that is up and not a reject route on lo", () => {
    assert.equal(parseRoute6(ROUTE6), "ens5");
    assert.equal(
      parseRoute6(
        ROUTE6.split("\n")
          .filter((l) => !l.includes("ens5"))
          .join("\n"),
      ),
      null,
    );
  });

  test("falls back to IPv6, then a clear error listing interfaces", () => {
    const dir = mkdtempSync(join(tmpdir(), "ibsr-iface-"));
    try {
      const procNet = join(dir, "net");
      const sys = join(dir, "sys");
      mkdirSync(procNet);
      mkdirSync(join(sys, "ens5"), { recursive: true });
      mkdirSync(join(sys, "lo"), { recursive: true });
      writeFileSync(join(procNet, "route"), ROUTE4.split("\n")[0]!);
      writeFileSync(join(procNet, "ipv6_route"), ROUTE6);
      assert.deepEqual(defaultRouteInterface({ procNet }), { iface: "ens5", family: 6 });
      writeFileSync(join(procNet, "ipv6_route"), "");
      assert.throws(
        () => resolveDefaultInterface({ procNet, sysClassNet: sys }),
        (e: unknown) =>
          e instanceof EnvironmentError &&
          /no default route/.test(e.message) &&
          /available: ens5/.test(e.hint ?? ""),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("on this machine: agrees with /proc/net/route", () => {
    const route = defaultRouteInterface();
    const text = readFileSync("/proc/net/route", "utf8");
    const expected = parseRoute4(text);
    if (expected) assert.deepEqual(route, { iface: expected, family: 4 });
    if (route) assert.ok(listInterfaces().includes(route.iface));
  });
});

describe("interfaces", () => {
  test("lo exists with ifindex 1 and an MTU", () => {
    assert.equal(requireInterface("lo"), 1);
    const info = interfaceInfo("lo");
    assert.equal(info.ifindex, 1);
    assert.ok(info.mtu > 0);
    assert.ok(["on", "off", "unknown"].includes(info.offloads.gro));
  });
  test("a missing interface names the ones that exist", () => {
    assert.throws(
      () => requireInterface("nosuch-if0"),
      (e: unknown) =>
        e instanceof EnvironmentError &&
        e.errnoName === "ENODEV" &&
        /"nosuch-if0" does not exist/.test(e.message) &&
        /lo/.test(e.hint ?? ""),
    );
  });
  test("ethtool -k text", () => {
    const text =
      "Features for x:\ntcp-segmentation-offload: on\ngeneric-segmentation-offload: off\ngeneric-receive-offload: on\nlarge-receive-offload: off [fixed]\n";
    assert.deepEqual(parseOffloads(text), { gro: "on", lro: "off", tso: "on", gso: "off" });
    assert.deepEqual(parseOffloads(""), { gro: "unknown", lro: "unknown", tso: "unknown", gso: "unknown" });
  });
});
