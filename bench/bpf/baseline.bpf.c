// SPDX-License-Identifier: (GPL-2.0-only OR MIT)
/*
 * Benchmark baseline: our own re-creation of the reference collector's XDP program as its spec
 * describes it (not its code), so `pnpm bench` can compare the two in the same run:
 * Ethernet -> IPv4 only (no VLAN, no IPv6, no version/fragment checks) -> TCP; up to 8 monitored
 * ports held in an ARRAY and looked up one slot at a time; an 8-byte key {IPv4 source, port};
 * 32-bit counters; lookup, then atomic adds on hit or bpf_map_update_elem(BPF_ANY) on a miss.
 * Only for measuring: never attached by the collector.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define BASE_PORT_SLOTS 8

/* Built as is (the reference's sizes) and, for attribution only, with the key and/or the value padded
 * towards ibsr's sizes, so the benchmark can tell the cost of a bigger map element apart from the cost
 * of the code: -DBASE_KEY_PAD=n adds n bytes to the key (4: ibsr's 12-byte key, 16: the 24-byte one),
 * -DBASE_VALUE_PAD=n adds n u64 words to the value (5: ibsr's 72 bytes); -DBASE_WIDE is both at 24/72. */
#ifdef BASE_WIDE
#define BASE_KEY_PAD 16
#define BASE_VALUE_PAD 5
#endif
struct base_key {
	__u32 src_ip; /* network order */
	__u16 port;   /* host order */
	__u16 pad;
#ifdef BASE_KEY_PAD
	__u8 wide_pad[BASE_KEY_PAD];
#endif
};

struct base_value {
	__u32 syn;
	__u32 ack;
	__u32 handshake_ack;
	__u32 rst;
	__u32 packets;
	__u32 pad;
	__u64 bytes;
#ifdef BASE_VALUE_PAD
	__u64 wide_pad[BASE_VALUE_PAD];
#endif
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BASE_PORT_SLOTS);
	__type(key, __u32);
	__type(value, __u16); /* port in network order, 0 = empty slot */
} base_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 100000);
	__type(key, struct base_key);
	__type(value, struct base_value);
} base_counts SEC(".maps");

SEC("xdp")
int base_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_PASS;
	if (iph->protocol != IPPROTO_TCP)
		return XDP_PASS;
	__u32 ihl = iph->ihl * 4;
	if (ihl < 20)
		return XDP_PASS;
	struct tcphdr *tcp = (void *)iph + ihl;
	if ((void *)(tcp + 1) > data_end)
		return XDP_PASS;

	/* Slot-by-slot port match, as the reference does. */
	__u16 matched = 0;
#pragma unroll
	for (__u32 i = 0; i < BASE_PORT_SLOTS; i++) {
		__u32 idx = i;
		__u16 *slot = bpf_map_lookup_elem(&base_ports, &idx);
		if (slot && *slot != 0 && *slot == tcp->dest) {
			matched = *slot;
			break;
		}
	}
	if (!matched)
		return XDP_PASS;

	struct base_key key = {};
	key.src_ip = iph->saddr;
	key.port = bpf_ntohs(matched);
	__u64 len = (__u64)(data_end - data);
	__u32 tot = bpf_ntohs(iph->tot_len);
	__u32 hdrs = ihl + tcp->doff * 4;
	__u32 payload = tot > hdrs ? tot - hdrs : 0;
	__u32 syn = tcp->syn, ack = tcp->ack, rst = tcp->rst;
	__u32 hs = ack && !syn && !rst && payload == 0;

	struct base_value *v = bpf_map_lookup_elem(&base_counts, &key);
	if (v) {
		__sync_fetch_and_add(&v->packets, 1);
		__sync_fetch_and_add(&v->bytes, len);
		if (syn)
			__sync_fetch_and_add(&v->syn, 1);
		if (ack)
			__sync_fetch_and_add(&v->ack, 1);
		if (hs)
			__sync_fetch_and_add(&v->handshake_ack, 1);
		if (rst)
			__sync_fetch_and_add(&v->rst, 1);
	} else {
		struct base_value nv = {};
		nv.syn = syn;
		nv.ack = ack;
		nv.handshake_ack = hs;
		nv.rst = rst;
		nv.packets = 1;
		nv.bytes = len;
		bpf_map_update_elem(&base_counts, &key, &nv, BPF_ANY);
	}
	return XDP_PASS;
}
