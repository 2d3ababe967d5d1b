// A small packet builder for BPF_PROG_TEST_RUN and live tests: Ethernet, 802.1Q/802.1ad tags,
// IPv4 (options, fragments, odd versions/IHL), IPv6 (extension headers, fragments), TCP/UDP and a
// payload. Every field that the XDP program reads can be set to a wrong value on purpose.
import { parseAddress } from "@ibsr/contract";

export interface TcpFlags {
  fin?: boolean;
  syn?: boolean;
  rst?: boolean;
  psh?: boolean;
  ack?: boolean;
  urg?: boolean;
}

/** "S", "SA", "A", "R", "FA", "PA" ... (F S R P A U) or an object. */
export type FlagSpec = string | TcpFlags;

export type Ipv6ExtHeader =
  | { type: "hop" | "routing" | "dest" /** total bytes, multiple of 8, >= 8 */; length?: number }
  | { type: "frag" /** offset in 8-byte units */; offset?: number; more?: boolean };

export interface FrameSpec {
  /** VLAN tags, outermost first: { tpid: 0x8100 | 0x88a8, vid } */
  vlans?: Array<{ tpid?: number; vid: number }>;
  /** overrides the EtherType after the tags (default from ipv4/ipv6) */
  etherType?: number;
  ipv4?: {
    src: string;
    dst?: string;
    /** option bytes, padded to a multiple of 4 */
    options?: Uint8Array;
    /** fragment offset in 8-byte units */
    fragOffset?: number;
    moreFragments?: boolean;
    version?: number;
    /** overrides the computed IHL (in 4-byte words) */
    ihl?: number;
    protocol?: number;
    /** overrides total length */
    totalLength?: number;
  };
  ipv6?: {
    src: string;
    dst?: string;
    ext?: Ipv6ExtHeader[];
    version?: number;
    /** overrides the next header of the last header before L4 */
    nextHeader?: number;
  };
  tcp?: { srcPort?: number; dstPort: number; flags?: FlagSpec /** words */; doff?: number; seq?: number };
  udp?: { srcPort?: number; dstPort: number };
  /** L4 payload bytes (or a length filled with a pattern) */
  payload?: Uint8Array | number;
  /** pad the frame with zeros to at least this length (Ethernet minimum is 60 without FCS) */
  padTo?: number;
}

const PROTO_TCP = 6;
const PROTO_UDP = 17;
const EXT_TYPE: Record<Ipv6ExtHeader["type"], number> = { hop: 0, routing: 43, dest: 60, frag: 44 };

function addrBytes(text: string, family: 4 | 6): Uint8Array {
  const p = parseAddress(text);
  if (p.family !== family) throw new Error(`frames: ${text} is not an IPv${family} address`);
  return p.bytes.subarray(0, family === 4 ? 4 : 16);
}

export function parseFlags(spec: FlagSpec | undefined): number {
  if (spec === undefined) return 0;
  if (typeof spec === "string") {
    let f = 0;
    for (const ch of spec.toUpperCase()) {
      const bit = "FSRPAU".indexOf(ch);
      if (bit < 0) throw new Error(`frames: unknown TCP flag letter ${ch} in "${spec}"`);
      f |= 1 << bit;
    }
    return f;
  }
  return (
    (spec.fin ? 1 : 0) |
    (spec.syn ? 2 : 0) |
    (spec.rst ? 4 : 0) |
    (spec.psh ? 8 : 0) |
    (spec.ack ? 16 : 0) |
    (spec.urg ? 32 : 0)
  );
}

function payloadBytes(p: Uint8Array | number | undefined): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  if (typeof p !== "number") return p;
  const out = new Uint8Array(p);
  for (let i = 0; i < p; i++) out[i] = (i * 7 + 1) & 0xff;
  return out;
}

function l4(spec: FrameSpec): { proto: number; bytes: Uint8Array } {
  const payload = payloadBytes(spec.payload);
  if (spec.tcp) {
    const doff = spec.tcp.doff ?? 5;
    const hdrLen = Math.max(20, doff * 4);
    const b = Buffer.alloc(hdrLen + payload.length);
    b.writeUInt16BE(spec.tcp.srcPort ?? 40000, 0);
    b.writeUInt16BE(spec.tcp.dstPort, 2);
    b.writeUInt32BE(spec.tcp.seq ?? 1, 4);
    b.writeUInt32BE(0, 8);
    b[12] = (doff & 0xf) << 4;
    b[13] = parseFlags(spec.tcp.flags);
    b.writeUInt16BE(65535, 14);
    // options beyond 20 bytes: NOPs (kind 1)
    for (let i = 20; i < hdrLen; i++) b[i] = 1;
    b.set(payload, hdrLen);
    return { proto: PROTO_TCP, bytes: b };
  }
  if (spec.udp) {
    const b = Buffer.alloc(8 + payload.length);
    b.writeUInt16BE(spec.udp.srcPort ?? 40000, 0);
    b.writeUInt16BE(spec.udp.dstPort, 2);
    b.writeUInt16BE(8 + payload.length, 4);
    b.set(payload, 8);
    return { proto: PROTO_UDP, bytes: b };
  }
  return { proto: 59 /* no next header */, bytes: payload };
}

function ipv4(spec: NonNullable<FrameSpec["ipv4"]>, proto: number, l4bytes: Uint8Array): Buffer {
  const opts = spec.options ?? new Uint8Array(0);
  const optLen = Math.ceil(opts.length / 4) * 4;
  const hdrLen = 20 + optLen;
  const b = Buffer.alloc(hdrLen + l4bytes.length);
  const ihl = spec.ihl ?? hdrLen / 4;
  b[0] = ((spec.version ?? 4) << 4) | (ihl & 0xf);
  b.writeUInt16BE(spec.totalLength ?? b.length, 2);
  b.writeUInt16BE(0x1234, 4);
  b.writeUInt16BE(((spec.moreFragments ? 1 : 0) << 13) | ((spec.fragOffset ?? 0) & 0x1fff), 6);
  b[8] = 64;
  b[9] = spec.protocol ?? proto;
  b.set(addrBytes(spec.src, 4), 12);
  b.set(addrBytes(spec.dst ?? "198.18.0.1", 4), 16);
  b.set(opts, 20);
  let sum = 0;
  for (let i = 0; i < hdrLen; i += 2) sum += b.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  b.writeUInt16BE(~sum & 0xffff, 10);
  b.set(l4bytes, hdrLen);
  return b;
}

function ipv6(spec: NonNullable<FrameSpec["ipv6"]>, proto: number, l4bytes: Uint8Array): Buffer {
  const ext = spec.ext ?? [];
  const extLens = ext.map((e) => (e.type === "frag" ? 8 : (e.length ?? 8)));
  const extTotal = extLens.reduce((a, b) => a + b, 0);
  const b = Buffer.alloc(40 + extTotal + l4bytes.length);
  b.writeUInt32BE(((spec.version ?? 6) << 28) >>> 0, 0);
  b.writeUInt16BE(extTotal + l4bytes.length, 4);
  const first = ext[0];
  b[6] = first ? EXT_TYPE[first.type] : (spec.nextHeader ?? proto);
  b[7] = 64;
  b.set(addrBytes(spec.src, 6), 8);
  b.set(addrBytes(spec.dst ?? "2001:2::1", 6), 24);
  let at = 40;
  ext.forEach((e, i) => {
    const next = ext[i + 1];
    const nh = next ? EXT_TYPE[next.type] : (spec.nextHeader ?? proto);
    const len = extLens[i]!;
    b[at] = nh;
    if (e.type === "frag") {
      b.writeUInt16BE((((e.offset ?? 0) & 0x1fff) << 3) | (e.more ? 1 : 0), at + 2);
      b.writeUInt32BE(0xabcd, at + 4);
    } else {
      if (len < 8 || len % 8 !== 0) throw new Error(`frames: IPv6 ${e.type} header length ${len} not 8n`);
      b[at + 1] = len / 8 - 1;
      if (e.type !== "routing") b[at + 2] = 1; // PadN covering the rest
      if (e.type !== "routing") b[at + 3] = len - 4;
    }
    at += len;
  });
  b.set(l4bytes, at);
  return b;
}

/** Builds one Ethernet frame. */
export function buildFrame(spec: FrameSpec): Buffer {
  const { proto, bytes } = l4(spec);
  let l3: Uint8Array = bytes;
  let etherType = spec.etherType;
  if (spec.ipv4) {
    l3 = ipv4(spec.ipv4, proto, bytes);
    etherType ??= 0x0800;
  } else if (spec.ipv6) {
    l3 = ipv6(spec.ipv6, proto, bytes);
    etherType ??= 0x86dd;
  }
  const vlans = spec.vlans ?? [];
  const head = Buffer.alloc(14 + 4 * vlans.length);
  Buffer.from([0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02]).copy(head, 0);
  let at = 12;
  for (const v of vlans) {
    head.writeUInt16BE(v.tpid ?? 0x8100, at);
    head.writeUInt16BE(v.vid & 0xfff, at + 2);
    at += 4;
  }
  head.writeUInt16BE(etherType ?? 0x0800, at);
  const frame = Buffer.concat([head, l3]);
  if (spec.padTo && frame.length < spec.padTo)
    return Buffer.concat([frame, Buffer.alloc(spec.padTo - frame.length)]);
  return frame;
}

/** Offsets of each layer in a frame built from `spec` (for truncation tests). */
export function layerOffsets(spec: FrameSpec): { l3: number; l4: number; end: number } {
  const frame = buildFrame({ ...spec, padTo: undefined });
  const l3 = 14 + 4 * (spec.vlans?.length ?? 0);
  let l4 = l3;
  if (spec.ipv4) l4 = l3 + 20 + Math.ceil((spec.ipv4.options?.length ?? 0) / 4) * 4;
  else if (spec.ipv6)
    l4 = l3 + 40 + (spec.ipv6.ext ?? []).reduce((a, e) => a + (e.type === "frag" ? 8 : (e.length ?? 8)), 0);
  return { l3, l4, end: frame.length };
}
