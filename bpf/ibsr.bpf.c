// SPDX-License-Identifier: (GPL-2.0-only OR MIT)
/*
 * ibsr.bpf.c: the IBSR shadow-mode counter. One XDP program, ibsr_xdp, that only observes:
 * it parses the frame with a bounds-checked cursor, counts TCP segments sent to monitored
 * destination ports per (family, source address or IPv6 prefix, destination port), and passes
 * every frame on unchanged. There is exactly one return statement, returning XDP_PASS.
 *
 * What it never does (and the safety verifier proves on the compiled object): write packet
 * memory, return any other action, call redirect/tail-call/event helpers, loop backwards,
 * read a clock per packet. Layouts and names come from ibsr.h, shared with user space.
 *
 * License "Dual MIT/GPL": the source is MIT like the rest of the project, and the kernel
 * treats the string as GPL-compatible, so bpftool reports the program as gpl_compatible and a
 * future GPL-only helper would not need a licence change. No GPL-only helper is used today.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "ibsr.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Set by user space before load (bpf_map__initial_value on .rodata); the verifier sees them as
 * constants, so the prefix mask below costs no branches at run time. */
const volatile __u32 ibsr_layout_version = IBSR_LAYOUT_VERSION;
const volatile __u32 ibsr_ipv6_prefix_len = 64;
/* The same prefix as a 16-byte network-order mask (user space writes both together), so masking
 * is two 8-byte ANDs with no branches (hence the 8-byte alignment). Default /64. */
const volatile __u8 ibsr_ipv6_mask[16] __attribute__((aligned(8))) = {0xff, 0xff, 0xff, 0xff,
								     0xff, 0xff, 0xff, 0xff};
/* 1 when the kernel has bpf_ktime_get_coarse_ns (5.11+; user space decides from the release). first_seen
 * then costs a read of the tick-time timekeeper (same epoch as CLOCK_MONOTONIC, one tick of resolution)
 * instead of a clocksource read. 0 on 5.9/5.10: the kernel's verifier sees a constant, never walks the
 * coarse branch, and removes it, so the older kernel never meets the helper it lacks. */
const volatile __u32 ibsr_coarse_clock = 0;

/* The monitored port set: bit (port & 7) of byte (port >> 3) is 1 when the TCP destination port
 * is monitored. Byte-addressed so the layout is the same on every host endianness. */
struct ibsr_port_bitmap {
	__u8 bits[IBSR_PORT_BITMAP_BYTES];
};

/* The flow maps: one shared LRU each (no BPF_F_NO_COMMON_LRU); user space sets max_entries (--map-size,
 * split between the two) and the key sizes before load. Sizes, not BTF types: each map keeps only the
 * leading bytes of struct ibsr_key its family uses (ibsr.h), and the kernel hashes and compares only those. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IBSR_DEFAULT_MAP_SIZE - IBSR_DEFAULT_MAP_SIZE / 4); /* mapSizes() of the default */
	__uint(key_size, IBSR_KEY_SIZE_V4);
	__type(value, struct ibsr_value);
} ibsr_flows4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IBSR_DEFAULT_MAP_SIZE / 4);
	__uint(key_size, IBSR_KEY_SIZE);
	__type(value, struct ibsr_value);
} ibsr_flows6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ibsr_port_bitmap);
} ibsr_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ibsr_global);
} ibsr_global SEC(".maps");

/* Headers the UAPI does not define as structs. */
struct ibsr_vlan_hdr {
	__be16 tci;
	__be16 encap_proto; /* the EtherType that follows this tag */
};

struct ibsr_ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset in 8-byte units (upper 13 bits), then 2 reserved bits and M */
	__be32 identification;
};

#define IBSR_IPV4_FRAG_OFFSET_MASK 0x1fff /* fragment offset bits of iph->frag_off (host order) */
#define IBSR_IPV6_FRAG_OFFSET_MASK 0xfff8 /* fragment offset bits of frag_off (host order) */

/* TCP flag bits of byte 13 of the TCP header, plus one bit of our own (above the byte) that
 * records "no TCP payload", so one value carries everything the counters need across the map
 * helper calls. */
#define IBSR_TCP_FIN 0x01
#define IBSR_TCP_SYN 0x02
#define IBSR_TCP_RST 0x04
#define IBSR_TCP_ACK 0x10
#define IBSR_NO_PAYLOAD 0x100

/* The key is written as three 8-byte words, the last two as soon as the address is parsed (fewer
 * values held in registers through the port check), word 0 once the port is known: the hash and the key compare read it in 8-, 4- and 1-byte pieces, each served from one
 * earlier store (a load spanning two narrower stores stalls). addr starts at byte 4, so each 8-byte
 * piece of the address straddles two words; where a byte lands inside a word depends on byte order:
 * IBSR_LATER moves a word's bytes 0..3 to 4..7, IBSR_EARLIER its bytes 4..7 to 0..3. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define IBSR_KEY_HEAD(family, plen, port) \
	((__u64)(family) | ((__u64)(plen) << 8) | ((__u64)(port) << 16))
#define IBSR_KEY_V4_ADDR(saddr) ((__u64)(saddr) << 32)
#define IBSR_LATER(x) ((x) << 32)
#define IBSR_EARLIER(x) ((x) >> 32)
#else
#define IBSR_KEY_HEAD(family, plen, port) \
	(((__u64)(family) << 56) | ((__u64)(plen) << 48) | ((__u64)(port) << 32))
#define IBSR_KEY_V4_ADDR(saddr) ((__u64)(saddr))
#define IBSR_LATER(x) ((x) >> 32)
#define IBSR_EARLIER(x) ((x) << 32)
#endif

union ibsr_key_words {
	struct ibsr_key key;
	__u64 w[IBSR_KEY_SIZE / 8];
};

/* Bench-only builds (bench/bpf.ts compiles this file with one of these defined, into a temporary
 * directory; never built by the Makefile, never shipped): each removes one cost so a row can
 * attribute it. */
#ifdef IBSR_BENCH_NO_MATCHED_GLOBALS
#define IBSR_GLOBAL(stmt) /* the matched path's per-CPU totals past matched_packets */
#else
#define IBSR_GLOBAL(stmt) stmt
#endif
#ifdef IBSR_BENCH_PER_FRAME_TOTALS /* the two increments every matched frame paid before (layout 2) */
#define IBSR_BENCH_EXTRA(stmt) stmt
#else
#define IBSR_BENCH_EXTRA(stmt)
#endif
#ifdef IBSR_BENCH_MASKED_64 /* an IPv6 /64 through the masked path (before the /64 branch) */
#undef IBSR_BENCH_MASKED_64
#define IBSR_BENCH_MASKED_64 1
#else
#define IBSR_BENCH_MASKED_64 0
#endif
#ifdef IBSR_BENCH_ONE_MAP /* the layout before the split: IPv4 keys too in ibsr_flows6, 12 bytes wide */
#define IBSR_V4_KEY_TAIL() (key.w[1] = 0, key.w[2] = 0)
#define IBSR_V4_FLOWS (&ibsr_flows6)
#else
#define IBSR_V4_KEY_TAIL() ((void)0)
#define IBSR_V4_FLOWS (&ibsr_flows4)
#endif

/* Step 8a: atomic adds to an existing entry (exact across CPUs on the shared entry). Only the
 * counters this packet increments get one: each is a locked read-modify-write, the dearest
 * instructions on this path. */
static __always_inline void ibsr_add(struct ibsr_value *val, __u32 cls, __u32 ip_len)
{
	__sync_fetch_and_add(&val->packets, 1);
	__sync_fetch_and_add(&val->bytes, ip_len);
#ifndef IBSR_BENCH_COUNTS_ONLY /* bench only: packets and bytes, no flag counters */
	if (cls & IBSR_TCP_SYN) {
		if (cls & IBSR_TCP_ACK)
			__sync_fetch_and_add(&val->synack, 1);
		else
			__sync_fetch_and_add(&val->syn, 1);
	}
	if (cls & IBSR_TCP_ACK) {
		__sync_fetch_and_add(&val->ack, 1);
		if ((cls & (IBSR_TCP_SYN | IBSR_TCP_RST | IBSR_TCP_FIN | IBSR_NO_PAYLOAD)) ==
		    IBSR_NO_PAYLOAD)
			__sync_fetch_and_add(&val->handshake_ack, 1);
	}
	/* RST and FIN are rare on a flood's path: one test for both (2 instructions fewer there). */
	if (cls & (IBSR_TCP_RST | IBSR_TCP_FIN)) {
		if (cls & IBSR_TCP_RST)
			__sync_fetch_and_add(&val->rst, 1);
		if (cls & IBSR_TCP_FIN)
			__sync_fetch_and_add(&val->fin, 1);
	}
#endif
}

/* Steps 7 and 8 for one flow map: look the key up, add to the per-CPU totals, then add this packet
 * to its entry, inserting the entry if it is new. */
static __always_inline void ibsr_count(void *flows, struct ibsr_global *g, struct ibsr_key *key,
				       __u32 cls, __u32 ip_len)
{
	struct ibsr_value *val = bpf_map_lookup_elem(flows, key);

	/* Step 7: the per-CPU totals (plain adds: no other CPU writes this copy), placed between the
	 * lookup and the entry's locked adds: measured ~0.7 ns faster than before the lookup and ~2 ns
	 * faster than after the locked adds (bench/notes/xdp-hot-path.md). */
	g->matched_packets++;
	IBSR_GLOBAL(g->matched_bytes += ip_len);
	IBSR_GLOBAL(g->matched_syn += (cls & (IBSR_TCP_SYN | IBSR_TCP_ACK)) == IBSR_TCP_SYN);

	/* Step 8: the entry. */
	if (val) {
		ibsr_add(val, cls, ip_len);
		return;
	}
	/* Step 8b: a new key. Insert a value that already holds this packet's counts, with
	 * BPF_NOEXIST so an existing entry is never replaced (replacing swaps in a fresh element and
	 * loses concurrent adds). If another CPU inserted the key first, the insert fails and this
	 * packet is added to that entry like any hit: no count is lost either way, and the common
	 * insert path needs no second lookup and no atomics. */
	struct ibsr_value fresh;
	fresh.syn = (cls & (IBSR_TCP_SYN | IBSR_TCP_ACK)) == IBSR_TCP_SYN;
	fresh.synack = (cls & (IBSR_TCP_SYN | IBSR_TCP_ACK)) == (IBSR_TCP_SYN | IBSR_TCP_ACK);
	fresh.ack = (cls >> 4) & 1;
	/* handshake_ack: ACK set, SYN/RST/FIN clear, no payload. Spoofable and not only the
	 * handshake's third segment: keepalives, duplicate ACKs and window updates match too. */
	fresh.handshake_ack = (cls & (IBSR_TCP_SYN | IBSR_TCP_ACK | IBSR_TCP_RST | IBSR_TCP_FIN |
				      IBSR_NO_PAYLOAD)) == (IBSR_TCP_ACK | IBSR_NO_PAYLOAD);
	fresh.rst = (cls >> 2) & 1;
	fresh.fin = cls & 1;
	fresh.packets = 1;
	fresh.bytes = ip_len;
	/* The only clock read: once per new entry. */
	fresh.first_seen = ibsr_coarse_clock ? bpf_ktime_get_coarse_ns() : bpf_ktime_get_ns();
	if (bpf_map_update_elem(flows, key, &fresh, BPF_NOEXIST) == 0) {
		IBSR_GLOBAL(g->inserts++);
		return;
	}
	/* Lost the race: add to the winner's entry (none if it was evicted at once: the totals still
	 * count the packet). A second copy of the adds, so every jump stays a forward jump. */
	val = bpf_map_lookup_elem(flows, key);
	if (val)
		ibsr_add(val, cls, ip_len);
}

/* Steps 4 to 8 for one family: inlined into each family's branch, so each family runs straight-line
 * code with its own map as a constant (the kernel inlines a lookup whose map is one constant) and no
 * value has to survive a join of the two families. 0: counted (in a total or an entry); -1: not a TCP
 * segment this program can parse (the caller counts it in not_tcp). */
static __always_inline int ibsr_tcp(void *flows, struct ibsr_global *g, struct ibsr_port_bitmap *ports,
				    union ibsr_key_words *key, __u64 head, struct tcphdr *tcp,
				    void *data_end, __u32 ip_len, __u32 l3_hdr_len)
{
	/* Step 4: TCP header, data offset >= 5 words. Bytes 12 and 13 (data offset, flags) are
	 * read once. */
	if ((void *)(tcp + 1) > data_end)
		return -1;
	__u8 *tcp_bytes = (__u8 *)tcp;
	__u32 doff = tcp_bytes[12] >> 4;
	if (doff < 5)
		return -1;
	IBSR_BENCH_EXTRA(g->tcp_unmonitored++);

	/* Step 5: the port check, O(1) for any number of ports: one bit of one map value. It comes
	 * before any other work on the matched path, so unmonitored traffic exits here. */
	__u16 dport = bpf_ntohs(tcp->dest);
	if (!(ports->bits[dport >> 3] & (1u << (dport & 7)))) {
		g->tcp_unmonitored++;
		return 0;
	}

	/* Step 6: classify into one word: the TCP flag byte plus IBSR_NO_PAYLOAD. The payload
	 * length comes from the IP lengths, not the frame length, so Ethernet padding of short
	 * frames does not look like data. */
	__u32 cls = tcp_bytes[13];
	if (ip_len <= l3_hdr_len + doff * 4)
		cls |= IBSR_NO_PAYLOAD;

	/* Steps 7 and 8 with the key complete. */
	key->w[0] = head | IBSR_KEY_HEAD(0, 0, dport);
	ibsr_count(flows, g, &key->key, cls, ip_len);
	return 0;
}

SEC("xdp")
int ibsr_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	void *pos = data; /* the parse cursor: everything before it has been bounds-checked */
	struct ibsr_global *g;
	struct ibsr_port_bitmap *ports;
	union ibsr_key_words key;
	__u32 zero = 0;
	__u16 proto;

	/* Per-CPU totals: no atomics needed, exact even when the LRU evicts. Each frame adds to one
	 * exit counter (not_tcp at `out`, tcp_unmonitored at the port check, matched_packets), so the
	 * matched path pays for no total it does not need; user space adds them up into packets_seen
	 * and tcp_seen. Both one-entry arrays are looked up here, before any packet field is live:
	 * the kernel inlines the lookups, but the compiler still treats them as calls that clobber
	 * r1-r5, so a lookup in the middle of the parse would spill the parse state to the stack.
	 * Index 0 of a one-entry array always exists: the checks are for the kernel's verifier. */
	g = bpf_map_lookup_elem(&ibsr_global, &zero);
	if (!g)
		goto done;
	ports = bpf_map_lookup_elem(&ibsr_ports, &zero);
	if (!ports)
		goto out;
	IBSR_BENCH_EXTRA(g->not_tcp++);

	/* Step 1: Ethernet. Anything shorter than 14 bytes passes, counted in not_tcp only. The
	 * EtherType is one 16-bit load (struct ethhdr is packed: its member would be read bytewise). */
	struct ethhdr *eth = pos;
	if ((void *)(eth + 1) > data_end)
		goto out;
	proto = *(__be16 *)((void *)eth + __builtin_offsetof(struct ethhdr, h_proto));
	pos = eth + 1;

	/* Step 2: up to IBSR_MAX_VLAN_DEPTH 802.1Q / 802.1ad tags (QinQ), looked for only when the
	 * EtherType is not already IP: untagged IPv6 pays one compare, untagged IPv4 two. Written as
	 * jumps to each family's block: in the plain form clang tested for a tag first, so every
	 * untagged frame paid both tag compares too. A deeper stack leaves a VLAN EtherType in `proto`
	 * and falls out as "not IP". */
	if (proto == bpf_htons(ETH_P_IPV6))
		goto ipv6;
	if (proto != bpf_htons(ETH_P_IP)) {
#pragma unroll
		for (int i = 0; i < IBSR_MAX_VLAN_DEPTH; i++) {
			if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
				break;
			struct ibsr_vlan_hdr *vh = pos;
			if ((void *)(vh + 1) > data_end)
				goto out;
			proto = vh->encap_proto;
			pos = vh + 1;
		}
		if (proto == bpf_htons(ETH_P_IPV6))
			goto ipv6;
		if (proto != bpf_htons(ETH_P_IP))
			goto out; /* ARP, MPLS, a third VLAN tag, ... */
	}

	/* Step 3: IPv4 or IPv6 header, the key's address words (in registers), then steps 4 to 8. */
	{
		struct iphdr *iph = pos;
		if ((void *)(iph + 1) > data_end)
			goto out;
		/* Version 4 and IHL 5..15 (IHL < 5 is malformed) in one compare: the first byte is
		 * 0x45..0x4f exactly then. */
		__u8 ver_ihl = *(__u8 *)iph;
		if ((__u8)(ver_ihl - 0x45) > 0x0a)
			goto out;
		/* Non-first fragments carry no TCP header at their start: skip them (the first
		 * fragment, offset 0, has the header and is counted). */
		if (bpf_ntohs(iph->frag_off) & IBSR_IPV4_FRAG_OFFSET_MASK)
			goto out;
		if (iph->protocol != IPPROTO_TCP)
			goto out;
		__u32 l3_hdr_len = (ver_ihl & 0x0f) * 4; /* options skipped by honouring IHL (20..60) */
		/* IPv4 lives in addr[0..3]; never written as ::ffff:a.b.c.d. Its key is word 0 alone
		 * (ibsr_flows4 keeps 8 bytes). */
		__u64 head = IBSR_KEY_HEAD(IBSR_FAMILY_IPV4, 32, 0) | IBSR_KEY_V4_ADDR(iph->saddr);
		IBSR_V4_KEY_TAIL();
		if (ibsr_tcp(IBSR_V4_FLOWS, g, ports, &key, head, (void *)iph + l3_hdr_len, data_end,
			     bpf_ntohs(iph->tot_len), l3_hdr_len))
			goto out;
		goto done;
	}
ipv6:
	{
		struct ipv6hdr *ip6h = pos;
		if ((void *)(ip6h + 1) > data_end)
			goto out;
		if (ip6h->version != 6)
			goto out;
		__u8 nexthdr = ip6h->nexthdr;
		__u32 l3_hdr_len = sizeof(struct ipv6hdr);
		pos = ip6h + 1;

		/* Step 3b: up to IBSR_MAX_IPV6_EXT_HDRS extension headers, walked only when the next
		 * header is not TCP already. A longer chain leaves an extension header in `nexthdr` and
		 * is not counted (step 4 wants TCP). */
#pragma unroll
		for (int i = 0; i < IBSR_MAX_IPV6_EXT_HDRS; i++) {
			if (nexthdr == IPPROTO_TCP)
				break;
			if (nexthdr == IPPROTO_FRAGMENT) {
				struct ibsr_ipv6_frag_hdr *fh = pos;
				if ((void *)(fh + 1) > data_end)
					goto out;
				if (bpf_ntohs(fh->frag_off) & IBSR_IPV6_FRAG_OFFSET_MASK)
					goto out; /* non-first fragment */
				nexthdr = fh->nexthdr;
				l3_hdr_len += sizeof(*fh);
				pos = fh + 1;
			} else if (nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
				   nexthdr == IPPROTO_DSTOPTS) {
				struct ipv6_opt_hdr *oh = pos;
				if ((void *)(oh + 1) > data_end)
					goto out;
				__u32 len = ((__u32)oh->hdrlen + 1) * 8; /* hdrlen: 8-byte units after the first 8 */
				nexthdr = oh->nexthdr;
				l3_hdr_len += len;
				pos += len;
			} else {
				break;
			}
		}
		if (nexthdr != IPPROTO_TCP)
			goto out;

		/* Key: the source masked to the configured prefix (default /64), so one holder of
		 * a prefix occupies one entry. `::ffff:` sources stay family 6. The address is read in
		 * 8-byte loads (it sits at byte 22 of an untagged frame; the kernel allows unaligned
		 * packet loads where the CPU does them cheaply, x86-64 and arm64 among them; without the
		 * hint clang splits each into two 4-byte loads).
		 * /64, the default: the key is the first 8 address bytes as loaded, with the length as a
		 * constant: one load, no mask, and no third key word (ibsr_flows6 keeps 12 bytes). The
		 * prefix length is a .rodata constant, so the kernel's verifier follows only one of the
		 * two branches below and removes the other from the loaded program: the test costs
		 * nothing at run time (14 fewer instructions per IPv6 packet than the masked path).
		 * Any other length: two 8-byte ANDs with the mask user space wrote next to the length. */
		const __u64 *src = __builtin_assume_aligned(&ip6h->saddr, 8);
		__u64 head;
		if (ibsr_ipv6_prefix_len == 64 && !IBSR_BENCH_MASKED_64) {
			__u64 a0 = src[0];
			head = IBSR_KEY_HEAD(IBSR_FAMILY_IPV6, 64, 0) | IBSR_LATER(a0);
			key.w[1] = IBSR_EARLIER(a0); /* addr[4..7]; the rest is past the 12-byte key */
		} else {
			const volatile __u64 *mask = (const volatile __u64 *)ibsr_ipv6_mask;
			__u64 a0 = src[0] & mask[0];
			__u64 a1 = src[1] & mask[1];
			head = IBSR_KEY_HEAD(IBSR_FAMILY_IPV6, (__u8)ibsr_ipv6_prefix_len, 0) | IBSR_LATER(a0);
			key.w[1] = IBSR_EARLIER(a0) | IBSR_LATER(a1);
			key.w[2] = IBSR_EARLIER(a1); /* and pad */
		}
		if (ibsr_tcp(&ibsr_flows6, g, ports, &key, head, pos, data_end,
			     (__u32)bpf_ntohs(ip6h->payload_len) + sizeof(struct ipv6hdr), l3_hdr_len))
			goto out;
		goto done;
	}

out:
	g->not_tcp++; /* every early exit: not a TCP segment this program can parse */
done:
	return XDP_PASS;
}
