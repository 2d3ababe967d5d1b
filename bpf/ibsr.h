/* SPDX-License-Identifier: MIT */
/*
 * ibsr.h: the one layout contract between the XDP program (ibsr.bpf.c) and user space.
 * packages/contract/src/kernel.ts mirrors every size and offset here; a test compares
 * that file with the BTF of the compiled object, so a changed struct fails a test instead
 * of silently misreading counters. Fixed-width types, explicit padding, no implicit holes.
 */
#ifndef IBSR_H
#define IBSR_H

/* Bumped whenever a struct below changes; the object exports it as ibsr_layout_version. */
#define IBSR_LAYOUT_VERSION 3

/* Map names (15 characters at most: the kernel truncates object names at 16 bytes). */
/* Two flow maps, one per family, so an IPv4 key is 8 bytes (the kernel hashes and compares 8 bytes
 * instead of 12 on every lookup; bench/bpf.ts measures it). --map-size is their sum, split by
 * mapSizes() in packages/contract/src/kernel.ts (docs/architecture.md says why). */
#define IBSR_MAP_FLOWS4 "ibsr_flows4" /* LRU_HASH: ibsr_key bytes 0..7 (IPv4) -> ibsr_value */
#define IBSR_MAP_FLOWS6 "ibsr_flows6" /* LRU_HASH: ibsr_key bytes 0..11 or 0..23 (IPv6) -> ibsr_value */
#define IBSR_MAP_PORTS "ibsr_ports"   /* ARRAY, 1 entry: 65 536-bit set of monitored ports */
#define IBSR_MAP_GLOBAL "ibsr_global" /* PERCPU_ARRAY, 1 entry: struct ibsr_global */

#define IBSR_FAMILY_IPV4 4
#define IBSR_FAMILY_IPV6 6

#define IBSR_DEFAULT_MAP_SIZE 100000
#define IBSR_PORT_BITMAP_BYTES 8192 /* 65 536 bits, one per TCP port */

/* Parsing bounds: named so the verifier-visible unrolling stays small and reviewable. */
#define IBSR_MAX_VLAN_DEPTH 2
#define IBSR_MAX_IPV6_EXT_HDRS 4

/*
 * Flow key, as user space holds every drained row. IPv4 sources occupy addr[0..3] with family 4
 * and are never written as IPv4-mapped IPv6, so a spoofed ::ffff:a.b.c.d cannot land on an IPv4
 * key. IPv6 sources are masked to prefix_len bits (default /64) so one attacker owning a /64
 * occupies one entry. The address follows the 4-byte head directly, so each map keeps only the
 * leading bytes its keys can use: ibsr_flows4 the first 8 (head + addr[0..3]), ibsr_flows6 the
 * first 12 with a prefix of /64 or shorter (head + addr[0..7]), else all 24. User space widens
 * drained keys back to this struct (the bytes a map leaves out are zero).
 */
struct ibsr_key {
	__u8 family;     /* IBSR_FAMILY_IPV4 or IBSR_FAMILY_IPV6 */
	__u8 prefix_len; /* 32 for IPv4; the configured IPv6 prefix length otherwise */
	__u16 dst_port;  /* host byte order */
	__u8 addr[16];   /* network byte order (big-endian), host bits zeroed */
	__u32 pad;       /* always 0: keys are hashed as raw bytes */
};

#define IBSR_KEY_SIZE 24       /* the whole struct: ibsr_flows6's key with an IPv6 prefix over /64 */
#define IBSR_KEY_SIZE_SHORT 12 /* head + addr[0..7]: ibsr_flows6's key with a prefix of /64 or less */
#define IBSR_KEY_SIZE_V4 8     /* head + addr[0..3]: ibsr_flows4's key */

/* Map value: 64-bit counters, host byte order, updated with atomic adds only. */
struct ibsr_value {
	__u64 syn;           /* SYN set, ACK clear: connection attempts */
	__u64 synack;        /* SYN and ACK set: backscatter toward the monitored port */
	__u64 ack;           /* ACK set (any ACK-bearing segment) */
	__u64 handshake_ack; /* pure ACK: ACK set; SYN, RST, FIN clear; no TCP payload */
	__u64 rst;           /* RST set */
	__u64 fin;           /* FIN set */
	__u64 packets;       /* every matched packet */
	__u64 bytes;         /* IP total length (IPv6: payload length + 40), the same in every XDP mode */
	__u64 first_seen;    /* CLOCK_MONOTONIC ns (coarse: tick resolution on 5.11+), read once at insert */
};

/* Per-CPU totals, exact even when the LRU evicts: user space sums the CPUs. Every frame adds to
 * exactly one of the first three, so the matched path increments one total instead of three:
 * packets_seen = not_tcp + tcp_unmonitored + matched_packets, tcp_seen = tcp_unmonitored +
 * matched_packets (user space derives both; the snapshot carries the derived names). */
struct ibsr_global {
	__u64 not_tcp;         /* frames that were not a countable TCP segment (non-IP, non-TCP, later
				  fragments, malformed or short headers) */
	__u64 tcp_unmonitored; /* parsed TCP segments (first fragments and unfragmented), port not monitored */
	__u64 matched_packets; /* TCP to a monitored destination port */
	__u64 matched_bytes;   /* their IP total length */
	__u64 matched_syn;     /* their SYN-without-ACK count */
	__u64 inserts;         /* successful BPF_NOEXIST inserts into either flow map */
};

_Static_assert(sizeof(struct ibsr_key) == IBSR_KEY_SIZE, "ibsr_key is 24 bytes");
_Static_assert(__builtin_offsetof(struct ibsr_key, dst_port) == 2, "dst_port at 2");
_Static_assert(__builtin_offsetof(struct ibsr_key, addr) == 4, "addr at 4");
_Static_assert(__builtin_offsetof(struct ibsr_key, pad) == 20, "pad at 20");
_Static_assert(sizeof(struct ibsr_value) == 72, "ibsr_value is 72 bytes");
_Static_assert(__builtin_offsetof(struct ibsr_value, first_seen) == 64, "first_seen at 64");
_Static_assert(sizeof(struct ibsr_global) == 48, "ibsr_global is 48 bytes");

#endif /* IBSR_H */
