// BPF_PROG_TEST_RUN on crafted frames: exact counter deltas read back from ibsr_flows and the
// per-CPU ibsr_global totals, for every parsing path the program has.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildFrame, type FrameSpec, layerOffsets } from "../../lab/frames.js";
import { LibbpfError } from "../../packages/collector/src/libbpf/index.js";
import { requireLive } from "../harness/live.js";
import { counters, type IbsrFixture, loadIbsr } from "./bpf-fixture.js";

const PORT = 80;

function withIbsr(opts: { ipv6PrefixLen?: number }, fn: (f: IbsrFixture) => void): void {
  const f = loadIbsr({ mapSize: 1024, ...opts });
  try {
    f.setPorts([PORT, 443, 8080]);
    fn(f);
  } finally {
    f.close();
  }
}

function pick(c: Record<string, bigint> | null): Record<string, bigint> | null {
  if (!c) return null;
  const { first_seen: _fs, ...rest } = c as Record<string, bigint>;
  return rest;
}

const v4 = (flags: string, extra: Partial<FrameSpec> = {}): FrameSpec => ({
  ipv4: { src: "198.18.1.1" },
  tcp: { dstPort: PORT, flags },
  ...extra,
});

const cases: Array<{ name: string; spec: FrameSpec; expect: Partial<Record<string, number>> }> = [
  { name: "SYN", spec: v4("S"), expect: { syn: 1, packets: 1, bytes: 40 } },
  { name: "SYN-ACK", spec: v4("SA"), expect: { synack: 1, ack: 1, packets: 1, bytes: 40 } },
  { name: "bare ACK", spec: v4("A"), expect: { ack: 1, handshake_ack: 1, packets: 1, bytes: 40 } },
  {
    name: "bare ACK padded to the Ethernet minimum",
    spec: v4("A", { padTo: 60 }),
    expect: { ack: 1, handshake_ack: 1, packets: 1, bytes: 40 },
  },
  { name: "ACK with payload", spec: v4("PA", { payload: 100 }), expect: { ack: 1, packets: 1, bytes: 140 } },
  { name: "RST", spec: v4("R"), expect: { rst: 1, packets: 1, bytes: 40 } },
  { name: "RST-ACK", spec: v4("RA"), expect: { rst: 1, ack: 1, packets: 1, bytes: 40 } },
  { name: "FIN-ACK", spec: v4("FA"), expect: { fin: 1, ack: 1, packets: 1, bytes: 40 } },
  {
    name: "TCP options (doff 8) with zero payload",
    spec: { ipv4: { src: "198.18.1.1" }, tcp: { dstPort: PORT, flags: "A", doff: 8 } },
    expect: { ack: 1, handshake_ack: 1, packets: 1, bytes: 52 },
  },
  {
    name: "IPv4 with 8 bytes of options",
    spec: {
      ipv4: { src: "198.18.1.1", options: new Uint8Array([1, 1, 1, 1, 1, 1, 1, 0]) },
      tcp: { dstPort: PORT, flags: "A" },
    },
    expect: { ack: 1, handshake_ack: 1, packets: 1, bytes: 48 },
  },
  { name: "802.1Q tag", spec: v4("S", { vlans: [{ vid: 10 }] }), expect: { syn: 1, packets: 1, bytes: 40 } },
  {
    name: "QinQ (802.1ad outer, 802.1Q inner)",
    spec: v4("S", { vlans: [{ tpid: 0x88a8, vid: 100 }, { vid: 10 }] }),
    expect: { syn: 1, packets: 1, bytes: 40 },
  },
  {
    name: "IPv4 first fragment (MF set, offset 0)",
    spec: { ipv4: { src: "198.18.1.1", moreFragments: true }, tcp: { dstPort: PORT, flags: "S" } },
    expect: { syn: 1, packets: 1, bytes: 40 },
  },
];

test("each TCP flag combination lands in exactly its counters", (t) => {
  if (!requireLive(t)) return;
  for (const c of cases) {
    withIbsr({}, (f) => {
      const r = f.run(buildFrame(c.spec));
      assert.equal(r.retval, 2, c.name);
      assert.deepEqual(pick(f.read(4, "198.18.1.1", PORT)), counters(c.expect), c.name);
      const g = f.globals();
      assert.deepEqual(
        g,
        {
          packets_seen: 1n,
          tcp_seen: 1n,
          matched_packets: 1n,
          matched_bytes: BigInt(c.expect.bytes ?? 0),
          matched_syn: BigInt(c.expect.syn ?? 0),
          inserts: 1n,
        },
        `${c.name} globals`,
      );
      assert.ok(
        (f.read(4, "198.18.1.1", PORT)?.first_seen ?? 0n) > 0n,
        `${c.name}: first_seen set at insert`,
      );
    });
  }
});

test("repeated packets add up on one key, first_seen stays the insert time", (t) => {
  if (!requireLive(t)) return;
  withIbsr({}, (f) => {
    f.run(buildFrame(v4("S")), 1);
    const first = f.read(4, "198.18.1.1", PORT)!.first_seen;
    f.run(buildFrame(v4("S")), 999);
    f.run(buildFrame(v4("A")), 10);
    const c = f.read(4, "198.18.1.1", PORT)!;
    assert.equal(c.first_seen, first);
    assert.deepEqual(
      pick(c),
      counters({ syn: 1000, ack: 10, handshake_ack: 10, packets: 1010, bytes: 1010 * 40 }),
    );
    assert.equal(f.globals().inserts, 1n);
    assert.equal(f.entries(), 1);
  });
});

test("IPv6: two sources of one /64 share a key; /48 configured groups wider", (t) => {
  if (!requireLive(t)) return;
  withIbsr({}, (f) => {
    f.run(buildFrame({ ipv6: { src: "2001:2:0:1::5" }, tcp: { dstPort: PORT, flags: "S" } }));
    f.run(buildFrame({ ipv6: { src: "2001:2:0:1:ffff:1:2:3" }, tcp: { dstPort: PORT, flags: "S" } }));
    f.run(buildFrame({ ipv6: { src: "2001:2:0:2::5" }, tcp: { dstPort: PORT, flags: "S" } }));
    assert.deepEqual(pick(f.read(6, "2001:2:0:1::", PORT)), counters({ syn: 2, packets: 2, bytes: 120 }));
    assert.deepEqual(pick(f.read(6, "2001:2:0:2::", PORT)), counters({ syn: 1, packets: 1, bytes: 60 }));
    assert.equal(f.read(6, "2001:2:0:1::5", PORT), null, "host bits never reach the key");
    assert.equal(f.entries(), 2);
  });
  withIbsr({ ipv6PrefixLen: 48 }, (f) => {
    f.run(buildFrame({ ipv6: { src: "2001:2:0:1::5" }, tcp: { dstPort: PORT, flags: "S" } }));
    f.run(buildFrame({ ipv6: { src: "2001:2:0:2::5" }, tcp: { dstPort: PORT, flags: "S" } }));
    assert.deepEqual(pick(f.read(6, "2001:2::", PORT, 48)), counters({ syn: 2, packets: 2, bytes: 120 }));
    assert.equal(f.entries(), 1);
  });
  withIbsr({ ipv6PrefixLen: 96 }, (f) => {
    // Over /64 the map takes the whole 24-byte key: bits 64..95 separate sources, bits 96.. do not.
    assert.equal(f.flows[1].keySize, 24);
    assert.equal(f.flows[0].keySize, 8, "IPv4 keys stay 8 bytes whatever the IPv6 prefix");
    f.run(buildFrame({ ipv6: { src: "2001:2:0:1:0:1::5" }, tcp: { dstPort: PORT, flags: "S" } }));
    f.run(buildFrame({ ipv6: { src: "2001:2:0:1:0:1::6" }, tcp: { dstPort: PORT, flags: "S" } }));
    f.run(buildFrame({ ipv6: { src: "2001:2:0:1:0:2::5" }, tcp: { dstPort: PORT, flags: "S" } }));
    assert.deepEqual(
      pick(f.read(6, "2001:2:0:1:0:1::", PORT, 96)),
      counters({ syn: 2, packets: 2, bytes: 120 }),
    );
    assert.deepEqual(
      pick(f.read(6, "2001:2:0:1:0:2::", PORT, 96)),
      counters({ syn: 1, packets: 1, bytes: 60 }),
    );
    assert.equal(f.entries(), 2);
  });
  withIbsr({ ipv6PrefixLen: 61 }, (f) => {
    // a prefix that ends inside a byte: 2001:2:0:f::/61 keeps 0x8 of the last nibble
    f.run(buildFrame({ ipv6: { src: "2001:2:0:f::1" }, tcp: { dstPort: PORT, flags: "S" } }));
    assert.deepEqual(pick(f.read(6, "2001:2:0:8::", PORT, 61)), counters({ syn: 1, packets: 1, bytes: 60 }));
  });
});

test("IPv6 extension headers are walked up to the bound; fragments after the first are skipped", (t) => {
  if (!requireLive(t)) return;
  const src = "2001:2:0:1::5";
  const counted: Array<[string, FrameSpec["ipv6"], number]> = [
    ["hop-by-hop", { src, ext: [{ type: "hop" }] }, 68],
    [
      "hop+routing+dest (24 B)",
      { src, ext: [{ type: "hop" }, { type: "routing", length: 16 }, { type: "dest" }] },
      92,
    ],
    ["atomic fragment (offset 0)", { src, ext: [{ type: "frag", offset: 0 }] }, 68],
    [
      "first fragment (offset 0, M)",
      { src, ext: [{ type: "hop" }, { type: "frag", offset: 0, more: true }] },
      76,
    ],
    [
      "four headers (the bound)",
      { src, ext: [{ type: "hop" }, { type: "dest" }, { type: "routing" }, { type: "dest" }] },
      92,
    ],
  ];
  for (const [name, ip, bytes] of counted) {
    withIbsr({}, (f) => {
      f.run(buildFrame({ ipv6: ip, tcp: { dstPort: PORT, flags: "A" } }));
      assert.deepEqual(
        pick(f.read(6, "2001:2:0:1::", PORT)),
        counters({ ack: 1, handshake_ack: 1, packets: 1, bytes }),
        name,
      );
    });
  }
  const skipped: Array<[string, FrameSpec["ipv6"]]> = [
    ["non-first fragment", { src, ext: [{ type: "frag", offset: 3 }] }],
    [
      "non-first fragment behind hop-by-hop",
      { src, ext: [{ type: "hop" }, { type: "frag", offset: 1, more: true }] },
    ],
    [
      "five extension headers (over the bound)",
      {
        src,
        ext: [{ type: "hop" }, { type: "dest" }, { type: "routing" }, { type: "dest" }, { type: "dest" }],
      },
    ],
    ["version nibble 4 under EtherType 0x86dd", { src, version: 4 }],
  ];
  for (const [name, ip] of skipped) {
    withIbsr({}, (f) => {
      f.run(buildFrame({ ipv6: ip, tcp: { dstPort: PORT, flags: "S" } }));
      assert.equal(f.entries(), 0, name);
      const g = f.globals();
      assert.equal(g.packets_seen, 1n, name);
      assert.equal(g.tcp_seen, 0n, name);
      assert.equal(g.matched_packets, 0n, name);
    });
  }
});

test("not counted: non-first IPv4 fragments, bad version/IHL/doff, 3 VLAN tags, UDP, unmonitored port", (t) => {
  if (!requireLive(t)) return;
  const src = "198.18.1.1";
  const notTcp: Array<[string, FrameSpec]> = [
    ["IPv4 non-first fragment", { ipv4: { src, fragOffset: 10 }, tcp: { dstPort: PORT, flags: "S" } }],
    [
      "IPv4 last fragment",
      { ipv4: { src, fragOffset: 1, moreFragments: false }, tcp: { dstPort: PORT, flags: "S" } },
    ],
    ["IPv4 version nibble 5", { ipv4: { src, version: 5 }, tcp: { dstPort: PORT, flags: "S" } }],
    ["IPv4 IHL 4", { ipv4: { src, ihl: 4 }, tcp: { dstPort: PORT, flags: "S" } }],
    ["TCP doff 4", { ipv4: { src }, tcp: { dstPort: PORT, flags: "S", doff: 4 } }],
    [
      "three VLAN tags",
      { ipv4: { src }, tcp: { dstPort: PORT, flags: "S" }, vlans: [{ vid: 1 }, { vid: 2 }, { vid: 3 }] },
    ],
    ["UDP to a monitored port", { ipv4: { src }, udp: { dstPort: PORT } }],
    ["UDP over IPv6", { ipv6: { src: "2001:2::9" }, udp: { dstPort: PORT } }],
    ["ARP EtherType", { etherType: 0x0806, payload: 28 }],
  ];
  for (const [name, spec] of notTcp) {
    withIbsr({}, (f) => {
      assert.equal(f.run(buildFrame(spec)).retval, 2, name);
      assert.equal(f.entries(), 0, name);
      assert.deepEqual(
        f.globals(),
        {
          packets_seen: 1n,
          tcp_seen: 0n,
          matched_packets: 0n,
          matched_bytes: 0n,
          matched_syn: 0n,
          inserts: 0n,
        },
        name,
      );
    });
  }
  withIbsr({}, (f) => {
    f.run(buildFrame({ ipv4: { src }, tcp: { dstPort: 81, flags: "S" } }), 5);
    f.run(buildFrame({ ipv6: { src: "2001:2::9" }, tcp: { dstPort: 79, flags: "S" } }), 5);
    assert.equal(f.entries(), 0, "unmonitored ports");
    assert.deepEqual(f.globals(), {
      packets_seen: 10n,
      tcp_seen: 10n,
      matched_packets: 0n,
      matched_bytes: 0n,
      matched_syn: 0n,
      inserts: 0n,
    });
  });
});

test("port bitmap: every monitored port matches, neighbours do not, port 0 and 65535 work", (t) => {
  if (!requireLive(t)) return;
  const f = loadIbsr({ mapSize: 1024 });
  try {
    const ports = [0, 1, 7, 8, 443, 65534, 65535];
    f.setPorts(ports);
    for (const p of [...ports, 2, 6, 9, 442, 444, 65533]) {
      f.run(buildFrame({ ipv4: { src: "198.18.2.2" }, tcp: { dstPort: p, flags: "S" } }));
    }
    for (const p of ports) assert.equal(f.read(4, "198.18.2.2", p)?.syn, 1n, `port ${p}`);
    assert.equal(f.entries(), ports.length);
  } finally {
    f.close();
  }
});

test("truncated at every byte of every layer: passes, nothing counted, output identical", (t) => {
  if (!requireLive(t)) return;
  const specs: FrameSpec[] = [
    {
      vlans: [{ tpid: 0x88a8, vid: 5 }, { vid: 6 }],
      ipv4: { src: "198.18.1.1", options: new Uint8Array(4) },
      tcp: { dstPort: PORT, flags: "S" },
    },
    {
      ipv6: { src: "2001:2::1", ext: [{ type: "hop" }, { type: "frag" }] },
      tcp: { dstPort: PORT, flags: "S" },
    },
  ];
  withIbsr({}, (f) => {
    let runs = 0n;
    for (const spec of specs) {
      const full = buildFrame(spec);
      const { l4 } = layerOffsets(spec);
      assert.ok(l4 + 20 === full.length);
      for (let len = 14; len < full.length; len++) {
        const frame = full.subarray(0, len);
        const r = f.run(frame);
        runs++;
        assert.equal(r.retval, 2, `len ${len}`);
        assert.ok(r.dataOut.equals(frame), `len ${len}: output identical`);
      }
    }
    assert.equal(f.entries(), 0);
    const g = f.globals();
    assert.equal(g.packets_seen, runs);
    assert.equal(g.tcp_seen, 0n);
  });
});

test("a 14-byte frame passes; shorter frames are refused by the kernel, not the program", (t) => {
  if (!requireLive(t)) return;
  withIbsr({}, (f) => {
    const r = f.run(Buffer.alloc(14));
    assert.equal(r.retval, 2);
    assert.equal(f.globals().packets_seen, 1n);
    assert.throws(
      () => f.run(Buffer.alloc(13)),
      (e: unknown) => e instanceof LibbpfError && e.errnoName === "EINVAL" && e.op === "test_run",
    );
  });
});

test("::ffff: IPv6 sources never merge with the IPv4 key", (t) => {
  if (!requireLive(t)) return;
  withIbsr({ ipv6PrefixLen: 128 }, (f) => {
    f.run(buildFrame({ ipv4: { src: "198.18.1.1" }, tcp: { dstPort: PORT, flags: "S" } }));
    f.run(buildFrame({ ipv6: { src: "::ffff:198.18.1.1" }, tcp: { dstPort: PORT, flags: "S" } }), 3);
    assert.deepEqual(pick(f.read(4, "198.18.1.1", PORT)), counters({ syn: 1, packets: 1, bytes: 40 }));
    assert.deepEqual(
      pick(f.read(6, "::ffff:198.18.1.1", PORT, 128)),
      counters({ syn: 3, packets: 3, bytes: 180 }),
    );
    assert.equal(f.entries(), 2);
  });
});

test("globals are exact over a mixed stream", (t) => {
  if (!requireLive(t)) return;
  withIbsr({}, (f) => {
    const stream: Array<[FrameSpec, number]> = [
      [v4("S"), 7],
      [v4("A", { payload: 10 }), 3],
      [{ ipv4: { src: "198.18.1.2" }, tcp: { dstPort: 443, flags: "S" } }, 2],
      [{ ipv6: { src: "2001:2::1" }, tcp: { dstPort: 8080, flags: "SA" } }, 4],
      [{ ipv4: { src: "198.18.1.3" }, tcp: { dstPort: 22, flags: "S" } }, 5],
      [{ ipv4: { src: "198.18.1.3" }, udp: { dstPort: 80 } }, 6],
      [{ ipv4: { src: "198.18.1.4", fragOffset: 2 }, tcp: { dstPort: 80, flags: "S" } }, 1],
    ];
    for (const [spec, n] of stream) f.run(buildFrame(spec), n);
    assert.deepEqual(f.globals(), {
      packets_seen: 28n,
      tcp_seen: 21n,
      matched_packets: 16n,
      matched_bytes: BigInt(7 * 40 + 3 * 50 + 2 * 40 + 4 * 60),
      matched_syn: 9n,
      inserts: 3n,
    });
    assert.equal(f.entries(), 3);
  });
});
