// Real traffic through a veth into a namespace, with ibsr-collect attached in native and in generic mode:
// the snapshot deltas (read back with DuckDB) match what was sent, exactly; the kernel's global totals
// match the per-key sums; a bulk transfer arrives byte-identical; the seed's verification commands show the
// program and maps by name; SIGTERM writes a final snapshot, removes the link and exits 0.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { release } from "node:os";
import { test } from "node:test";
import { MAP_NAMES, SNAPSHOT_COLUMNS } from "@ibsr/contract";
import {
  duckdbRows,
  runHost,
  snapshotsOf,
  spoofedV4,
  spoofedV6,
  startCollector,
  type TcpSnmp,
  withPair,
  xdpOnServer,
} from "../../lab/netns.js";
import { requireLive } from "../harness/live.js";

const PORT = 8080;

for (const mode of ["native", "generic"] as const) {
  test(`collector in ${mode} XDP mode: exact deltas, global totals, byte-identical transfer, clean SIGTERM`, async (t) => {
    if (!requireLive(t)) return;
    await withPair("traffic", async (pair, out) => {
      const server = await pair.startTcpServer(PORT);
      const c = startCollector(pair, out, [
        "-p",
        String(PORT),
        "--snapshot-interval-sec",
        "0.5",
        "--map-size",
        "10000",
        "--xdp-mode",
        mode,
      ]);
      await c.waitForHeartbeats(1);

      // The seed's verification commands, pinned to this run's program id (others may run IBSR too).
      const [xdp] = (await xdpOnServer(pair)) as { prog?: { id: number; name: string } }[];
      assert.equal(xdp?.prog?.name, "ibsr_xdp", "ip link show names the program");
      const progId = xdp!.prog!.id;
      const prog = JSON.parse(
        (await runHost(["bpftool", "-j", "prog", "show", "id", String(progId)])).stdout,
      ) as {
        name: string;
        type: string;
        map_ids: number[];
      };
      assert.equal(prog.name, "ibsr_xdp");
      assert.equal(prog.type, "xdp");
      const mapNames = new Set<string>();
      for (const id of prog.map_ids) {
        const m = JSON.parse((await runHost(["bpftool", "-j", "map", "show", "id", String(id)])).stdout) as {
          name: string;
        };
        mapNames.add(m.name);
      }
      for (const name of MAP_NAMES) assert.ok(mapNames.has(name), name);
      const listed = (await runHost(["bpftool", "prog", "list"])).stdout;
      assert.match(listed, new RegExp(`^${progId}: xdp\\s+name ibsr_xdp`, "m"));
      const ps = await runHost(["ps", "-o", "args=", "-p", String(c.proc.pid)]);
      assert.match(ps.stdout, /ibsr-collect/, "process title");

      // Real TCP, IPv4 then IPv6, each phase measured by the client's own TCP counters.
      const snmp0 = await pair.tcpSnmp(pair.client);
      const v4 = await pair.tcpConnections(4, PORT, 5, 3000);
      const bulk = await pair.tcpConnections(4, PORT, 1, 4_000_000);
      const snmp1 = await pair.tcpSnmp(pair.client);
      const v6 = [
        ...(await pair.tcpConnections(6, PORT, 2, 3000)),
        ...(await pair.tcpConnections(6, PORT, 1, 2_000_000)),
      ];
      const snmp2 = await pair.tcpSnmp(pair.client);
      for (const r of [...v4, ...bulk, ...v6])
        assert.equal(r.received, r.sent, "server hashed what was sent");
      assert.equal(server.connections().length, 9);
      // Segments on the wire = OutSegs (which leaves retransmissions out) + RetransSegs; SYNs on the wire =
      // connections + TCPSynRetrans. A loaded machine does retransmit now and then.
      const delta = (a: TcpSnmp, b: TcpSnmp, k: string) => (b[k] ?? Number.NaN) - (a[k] ?? Number.NaN);
      const v4Segs = delta(snmp0, snmp1, "OutSegs") + delta(snmp0, snmp1, "RetransSegs");
      const v6Segs = delta(snmp1, snmp2, "OutSegs") + delta(snmp1, snmp2, "RetransSegs");
      const v4SynRetrans = delta(snmp0, snmp1, "TCPSynRetrans");
      const v6SynRetrans = delta(snmp1, snmp2, "TCPSynRetrans");
      const v4Retrans = delta(snmp0, snmp1, "RetransSegs");
      const v6Retrans = delta(snmp1, snmp2, "RetransSegs");

      // Raw segments from spoofed sources, bounded.
      const synV4 = spoofedV4(40);
      const rstV4 = spoofedV4(5, 1000);
      const saV4 = spoofedV4(3, 2000);
      const ackV4 = spoofedV4(4, 3000);
      const synV6 = spoofedV6(10);
      const sameSlash64 = ["2001:2:0:200::1", "2001:2:0:200::2"];
      await pair.sendRawSegments({ sources: synV4, port: PORT, perSource: 3 });
      await pair.sendRawSegments({ sources: rstV4, port: PORT, perSource: 1, flags: "R" });
      await pair.sendRawSegments({ sources: saV4, port: PORT, perSource: 1, flags: "SA" });
      await pair.sendRawSegments({ sources: ackV4, port: PORT, perSource: 1, flags: "A" });
      await pair.sendRawSegments({ sources: synV6, port: PORT, perSource: 2 });
      await pair.sendRawSegments({ sources: sameSlash64, port: PORT, perSource: 2 });
      // Not monitored: must not be counted anywhere.
      await pair.sendRawSegments({ sources: spoofedV4(7, 4000), port: PORT + 1, perSource: 1 });
      const rawMatched = 40 * 3 + 5 + 3 + 4 + 10 * 2 + 2 * 2;

      const seen = c.heartbeats().length;
      await c.waitForHeartbeats(seen + 2);
      const exit = await c.stop("SIGTERM");
      assert.equal(exit.code, 0, exit.stderr);
      assert.deepEqual(await xdpOnServer(pair), [], "SIGTERM removed the link");
      const hbs = c.heartbeats();
      assert.equal(hbs.at(-1)?.final, true, "the last heartbeat is the final one");
      assert.ok(
        c.logs().some((l) => l.event === "run.end" && l.reason === "SIGTERM"),
        "run.end logged with the signal",
      );

      const src = snapshotsOf(out);
      // Types as the contract says, read by DuckDB.
      const described = await duckdbRows(`DESCRIBE SELECT * FROM ${src}`);
      const types = new Map(described.map((r) => [String(r.column_name), String(r.column_type)]));
      for (const col of SNAPSHOT_COLUMNS)
        assert.equal(types.get(col.name), col.duckdb, `type of ${col.name}`);

      // Files without changed rows have no rows, so look for the final one by name.
      const lastSeq = Number(hbs.at(-1)?.seq);
      const names = readdirSync(out, { recursive: true }).map(String);
      const finalName = names.find((f) => f.endsWith(`-${String(lastSeq).padStart(8, "0")}.parquet`));
      assert.ok(finalName, `the final snapshot (seq ${lastSeq}) is on disk: ${names.join(", ")}`);
      assert.equal(names.filter((f) => f.endsWith(".parquet")).length, lastSeq + 1, "one file per cycle");

      // Per-key totals over the whole run (sum of deltas).
      const perKey = await duckdbRows(`
        SELECT family::INT AS family, prefix_len::INT AS plen, dst_port::INT AS port,
          hex(src) AS src,
          sum(syn_delta)::BIGINT AS syn, sum(synack_delta)::BIGINT AS synack, sum(ack_delta)::BIGINT AS ack,
          sum(handshake_ack_delta)::BIGINT AS hack, sum(rst_delta)::BIGINT AS rst, sum(fin_delta)::BIGINT AS fin,
          sum(packets_delta)::BIGINT AS packets, sum(bytes_delta)::BIGINT AS bytes,
          max(packets)::BIGINT AS cum_packets
        FROM ${src} GROUP BY ALL`);
      const byKey = new Map(perKey.map((r) => [`${r.family}/${r.src}`, r]));
      const v4hex = (a: string) =>
        `${a
          .split(".")
          .map((o) => Number(o).toString(16).padStart(2, "0"))
          .join("")
          .toUpperCase()}${"0".repeat(24)}`;
      const row = (family: 4 | 6, hex: string) => {
        const r = byKey.get(`${family}/${hex}`);
        assert.ok(r, `a row for ${family}/${hex}`);
        return r as Record<string, string | number>;
      };
      const n = (v: unknown) => Number(v);
      for (const a of synV4) {
        const r = row(4, v4hex(a));
        assert.deepEqual(
          [r.syn, r.synack, r.ack, r.hack, r.rst, r.fin, r.packets, r.bytes, r.plen, r.port].map(n),
          [3, 0, 0, 0, 0, 0, 3, 120, 32, PORT],
          a,
        );
        assert.equal(n(r.cum_packets), 3, "cumulative equals the sum of deltas");
      }
      for (const a of rstV4)
        assert.deepEqual([row(4, v4hex(a)).rst, row(4, v4hex(a)).packets].map(n), [1, 1]);
      for (const a of saV4) {
        const r = row(4, v4hex(a));
        assert.deepEqual([r.synack, r.syn, r.ack, r.hack].map(n), [1, 0, 1, 0], `SYN-ACK from ${a}`);
      }
      for (const a of ackV4) {
        const r = row(4, v4hex(a));
        assert.deepEqual([r.ack, r.hack, r.bytes].map(n), [1, 1, 40], `pure ACK from ${a}`);
      }
      for (let i = 0; i < synV6.length; i++) {
        // spoofedV6 puts source i in 2001:2:0:<0x100+i>::/64; the key keeps only the /64.
        const hex = `200100020000${(0x100 + i).toString(16).padStart(4, "0")}${"0".repeat(16)}`.toUpperCase();
        const r = row(6, hex);
        assert.deepEqual([r.syn, r.packets, r.bytes, r.plen].map(n), [2, 2, 120, 64], synV6[i]);
      }
      const shared = row(6, `20010002000002000000000000000000`);
      assert.deepEqual([shared.syn, shared.packets].map(n), [4, 4], "two sources in one /64 share one key");
      for (const a of spoofedV4(7, 4000))
        assert.equal(byKey.has(`4/${v4hex(a)}`), false, `${a} to an unmonitored port`);

      // The real clients: one SYN and one FIN per connection, every segment their TCP sent.
      const client4 = row(4, v4hex(pair.clientV4));
      assert.equal(n(client4.syn), 6 + v4SynRetrans, "one SYN per IPv4 connection (+ SYN retransmissions)");
      assert.equal(n(client4.packets), v4Segs, "every IPv4 segment the client sent");
      assert.ok(
        n(client4.fin) >= 6 && n(client4.fin) <= 6 + v4Retrans,
        `one FIN per connection: ${client4.fin}`,
      );
      const client6 = row(6, "20010002000000000000000000000000");
      assert.equal(n(client6.syn), 3 + v6SynRetrans);
      assert.equal(n(client6.packets), v6Segs, "every IPv6 segment the client sent");
      assert.ok(
        n(client6.fin) >= 3 && n(client6.fin) <= 3 + v6Retrans,
        `one FIN per connection: ${client6.fin}`,
      );

      // Global totals (final snapshot's metadata) against the sum of per-key deltas and what was sent.
      const sums = await duckdbRows(
        `SELECT sum(packets_delta)::BIGINT AS p, sum(syn_delta)::BIGINT AS s, sum(bytes_delta)::BIGINT AS b, count(DISTINCT (family, src, dst_port))::INT AS keys FROM ${src}`,
      );
      const kv = await duckdbRows(
        `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${out}/host=*/date=*/*${String(lastSeq).padStart(8, "0")}.parquet')`,
      );
      const meta = new Map(kv.map((r) => [String(r.k), String(r.v)]));
      assert.equal(
        Number(meta.get("ibsr.global.matched_packets")),
        n(sums[0]?.p),
        "global = sum of per-key deltas",
      );
      assert.equal(
        Number(meta.get("ibsr.global.matched_packets")),
        rawMatched + v4Segs + v6Segs,
        "global = sent",
      );
      assert.equal(Number(meta.get("ibsr.global.matched_syn")), n(sums[0]?.s));
      assert.equal(Number(meta.get("ibsr.global.matched_bytes")), n(sums[0]?.b));
      assert.equal(
        Number(meta.get("ibsr.global.inserts")),
        n(sums[0]?.keys),
        "one insert per key, no eviction",
      );
      assert.equal(meta.get("ibsr.xdp_mode"), mode);
      assert.equal(meta.get("ibsr.map_capacity"), "10000");
      assert.equal(meta.get("ibsr.kernel_release"), release());
      assert.equal(meta.get("ibsr.mtu"), "1500");
      assert.deepEqual(JSON.parse(meta.get("ibsr.ports") ?? "null"), [PORT]);
      assert.ok("gro" in (JSON.parse(meta.get("ibsr.offload") ?? "{}") as object), "offload state recorded");
    });
  });
}
