// SPDX-License-Identifier: (GPL-2.0-only OR MIT)
/* Benchmark floor: an XDP program that does nothing. Its BPF_PROG_TEST_RUN time is the harness
 * overhead (timer, frame setup) that every single-shot measurement in bench/bpf.ts includes. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

SEC("xdp")
int bench_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
