import assert from "node:assert/strict";
import { test } from "node:test";
import { runInNewContext } from "node:vm";
import {
  cellText,
  filterRows,
  type Net,
  netContains,
  netsOverlap,
  pageCount,
  pageSlice,
  parseIPv4,
  parseIPv6,
  parseNet,
  parseQuery,
  sortRows,
  type TableData,
} from "./logic.js";
import { scriptText } from "./script.js";

const net = (s: string): Net => {
  const n = parseNet(s);
  assert.ok(n, `parses: ${s}`);
  return n;
};

test("IPv4: strict dotted quads only", () => {
  assert.equal(parseIPv4("198.18.0.1"), 0xc6120001n);
  assert.equal(parseIPv4("0.0.0.0"), 0n);
  assert.equal(parseIPv4("255.255.255.255"), 0xffffffffn);
  for (const bad of ["256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.-4", "a.b.c.d", "", "1..2.3"])
    assert.equal(parseIPv4(bad), null, bad);
});

test("IPv6: compressed forms, IPv4 tails, brackets; malformed text refused", () => {
  assert.equal(parseIPv6("::"), 0n);
  assert.equal(parseIPv6("::1"), 1n);
  assert.equal(parseIPv6("2001:2::"), 0x20010002n << 96n);
  assert.equal(parseIPv6("[2001:2::1]"), (0x20010002n << 96n) | 1n);
  assert.equal(parseIPv6("2001:0002:0000:0000:0000:0000:0000:0001"), (0x20010002n << 96n) | 1n);
  assert.equal(parseIPv6("::ffff:198.18.0.1"), (0xffffn << 32n) | 0xc6120001n);
  assert.equal(parseIPv6("1:2:3:4:5:6:7::"), 0x0001000200030004000500060007_0000n);
  for (const bad of [
    "1:2:3:4:5:6:7:8:9",
    "1::2::3",
    "12345::",
    "g::",
    "1:2:3:4:5:6:7",
    "fe80::1%eth0",
    ":1",
    "1:2:3:4:5:6:7:8::",
  ])
    assert.equal(parseIPv6(bad), null, bad);
});

test("networks: host bits cleared, lengths bounded, containment and overlap per family", () => {
  assert.deepEqual(parseNet("198.18.0.77/24"), { family: 4, addr: 0xc6120000n, len: 24 });
  assert.deepEqual(parseNet("198.18.0.1"), { family: 4, addr: 0xc6120001n, len: 32 });
  assert.deepEqual(parseNet("2001:2::1/0"), { family: 6, addr: 0n, len: 0 });
  for (const bad of ["198.18.0.0/33", "2001:2::/129", "198.18.0.0/", "198.18.0.0/x", "/24", "bogus"])
    assert.equal(parseNet(bad), null, bad);
  assert.ok(netContains(net("198.18.0.0/15"), net("198.19.255.255")));
  assert.ok(!netContains(net("198.18.0.0/16"), net("198.19.0.1")));
  assert.ok(netContains(net("0.0.0.0/0"), net("203.0.113.9")));
  assert.ok(netContains(net("2001:2::/48"), net("2001:2:0:1::/64")));
  assert.ok(
    !netContains(net("2001:2:0:1::/64"), net("2001:2::/48")),
    "a longer prefix does not contain a shorter",
  );
  assert.ok(netContains(net("2001:2:0:1::/64"), net("2001:2:0:1:ffff::1")));
  assert.ok(!netContains(net("2001:2:0:1::/64"), net("2001:2:0:2::1")));
  // An address inside a key's /64, and a CIDR around it: both overlap the key's network.
  assert.ok(netsOverlap(net("2001:2:0:1::5"), net("2001:2:0:1::/64")));
  assert.ok(netsOverlap(net("2001:2::/32"), net("2001:2:0:1::/64")));
  // Families never mix, even where the bits agree (::c612:1 is not 198.18.0.1).
  assert.ok(!netsOverlap(net("::c612:1"), net("198.18.0.1")));
  assert.ok(!netContains(net("::/0"), net("198.18.0.1")));
});

test("queries: addresses with ports, CIDRs and text terms", () => {
  const q = parseQuery("  198.18.0.1:8899  [2001:2::1]:443 2001:2::/48 SYN ");
  assert.equal(q.length, 4);
  assert.deepEqual(q[0], { net: net("198.18.0.1"), port: 8899 });
  assert.deepEqual(q[1], { net: net("2001:2::1"), port: 443 });
  assert.deepEqual(q[2], { net: net("2001:2::/48"), port: null });
  assert.deepEqual(q[3], { text: "syn" });
  assert.deepEqual(parseQuery(""), []);
  assert.deepEqual(parseQuery("999.1.1.1"), [{ text: "999.1.1.1" }], "not an address: text");
});

function table(): TableData {
  const rows: (string | number | null)[][] = [
    ["198.18.0.10:80", "SYN flood", 500, 0.01, "198.18.0.10/32", 80],
    ["198.18.0.9:8899", "volumetric", 12_000, null, "198.18.0.9/32", 8899],
    ["[2001:2:0:1::]/64:8899", "SYN flood", 70, 0.5, "2001:2:0:1::/64", 8899],
    ["198.18.1.2:8899", "volumetric", 12_000, 0.9, "198.18.1.2/32", 8899],
    ["10.0.0.1:22", "SYN flood", null, 0.2, "10.0.0.1/32", 22],
  ];
  return {
    cols: [
      { label: "Source:port", type: "key" },
      { label: "Class", type: "text" },
      { label: "Would drop packets", type: "int" },
      { label: "Min success ratio", type: "ratio" },
    ],
    key: 0,
    rows,
  };
}

test("filter: by address inside a key's network, by CIDR, with a port, by text; terms combine", () => {
  const t = table();
  const f = (q: string) => filterRows(t, q, [], []);
  assert.deepEqual(f("2001:2:0:1::abcd"), [2], "an address inside the /64 key");
  assert.deepEqual(f("2001:2::/32"), [2]);
  assert.deepEqual(f("198.18.0.0/24"), [0, 1]);
  assert.deepEqual(f("198.18.0.0/15"), [0, 1, 3]);
  assert.deepEqual(f("198.18.0.9"), [1]);
  assert.deepEqual(f("198.18.0.9:80"), [], "right address, wrong port");
  assert.deepEqual(f("198.18.0.10:80"), [0]);
  assert.deepEqual(f("volumetric"), [1, 3]);
  assert.deepEqual(f("VOLUMETRIC 198.18.1.0/24"), [3], "every term must match");
  assert.deepEqual(f("12,000"), [1, 3], "text matches the shown (formatted) cells");
  assert.deepEqual(f(""), [0, 1, 2, 3, 4]);
  assert.deepEqual(f("8899 syn"), [2]);
});

test("sort: numbers numerically (largest first when descending), unknown last, keys by address, stable", () => {
  const t = table();
  const all = [0, 1, 2, 3, 4];
  assert.deepEqual(sortRows(t, all, 2, true), [1, 3, 0, 2, 4], "ties keep table order; null last");
  assert.deepEqual(sortRows(t, all, 2, false), [2, 0, 1, 3, 4], "null last ascending too");
  assert.deepEqual(sortRows(t, all, 3, false), [0, 4, 2, 3, 1]);
  // Keys: IPv4 before IPv6, numeric address order (198.18.0.9 before 198.18.0.10), not text order.
  assert.deepEqual(sortRows(t, all, 0, false), [4, 1, 0, 3, 2]);
  assert.deepEqual(sortRows(t, all, 0, true), [2, 3, 0, 1, 4]);
  assert.deepEqual(sortRows(t, all, 1, false), [0, 2, 4, 1, 3]);
  assert.deepEqual(sortRows(t, [3, 1], 2, true), [3, 1], "a filtered subset keeps its own order on ties");
});

test("paging: page count and clamped slices", () => {
  assert.equal(pageCount(0, 50), 1);
  assert.equal(pageCount(50, 50), 1);
  assert.equal(pageCount(51, 50), 2);
  const xs = Array.from({ length: 120 }, (_, i) => i);
  assert.deepEqual(pageSlice(xs, 3, 50), xs.slice(100));
  assert.deepEqual(pageSlice(xs, 9, 50), xs.slice(100), "past the end: the last page");
  assert.deepEqual(pageSlice(xs, 0, 50), xs.slice(0, 50));
});

test("cells: one formatting for server and page", () => {
  assert.equal(cellText("int", 1234567), "1,234,567");
  assert.equal(cellText("pct", null), "unknown");
  assert.equal(cellText("int", null), "—");
  assert.equal(cellText("bytes", 1_500_000), "1.5 MB");
  assert.equal(cellText("time", 1_795_000_000), "2026-11-18 11:06:40 UTC");
});

test("the page's script holds the same functions: run in an empty context, they give the same answers", () => {
  const api: Record<string, (...a: unknown[]) => unknown> = {};
  // No document, no window: only the language. The entry exposes functions instead of starting the page.
  runInNewContext(
    scriptText("out.api = { filterRows, sortRows, cellText, parseNet, drillNodes, packIntervals };"),
    {
      out: {
        set api(v: typeof api) {
          Object.assign(api, v);
        },
      },
    },
  );
  const t = table();
  // Values from the other context have its prototypes: compare plain copies.
  const plain = (v: unknown) => JSON.parse(JSON.stringify(v));
  assert.deepEqual(
    plain(api.filterRows!(t, "198.18.0.0/24", [], [])),
    filterRows(t, "198.18.0.0/24", [], []),
  );
  assert.deepEqual(plain(api.sortRows!(t, [0, 1, 2, 3, 4], 0, false)), [4, 1, 0, 3, 2]);
  for (const [type, v] of [
    ["int", 1234567],
    ["bytes", 987_654_321],
    ["pct", 0.004],
    ["num", 12.345],
    ["dur", 3900],
    ["time", 1_795_000_123],
    ["ratio", 0.5],
  ] as const)
    assert.equal(api.cellText!(type, v), cellText(type, v), type);
  const packed = api.packIntervals!(
    {
      t0: [100, 160],
      t1: [160, 220],
      packets: [10, 20],
      syn: [5, 20],
      dropPackets: [0, 20],
      legit: [0, 0],
      hot: [0, 1],
    },
    100,
  ) as { s: number; iv: number[] };
  assert.deepEqual(plain(packed), { s: 0, iv: [0, 60, 10, 5, 0, 0, 0, 60, 20, 20, 20, 2] });
  const node = api.drillNodes!(
    { k: "198.18.0.1:80", wd: 20, pl: 0, ...packed, b: [["h/eth0", 120, 420]] },
    1_795_000_000,
    null,
  );
  assert.match(JSON.stringify(node), /Block windows of 198\.18\.0\.1:80/);
});
