// Compiles a variant of the XDP program for the live tests: the collector's four maps and .rodata
// globals (from bpf/ibsr.h) around a program body given by the test. Needs clang.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAP_FLOWS4, MAP_FLOWS6, MAP_GLOBAL, MAP_PORTS, PROGRAM_NAME, RODATA } from "@ibsr/contract";
import { REPO_ROOT } from "../../lab/netns.js";

/** The four maps and .rodata globals the collector expects, around a program body given by the test. */
export function objectSource(body: string): string {
  return `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "ibsr.h"
char LICENSE[] SEC("license") = "Dual MIT/GPL";
const volatile __u32 ${RODATA.layoutVersion} = IBSR_LAYOUT_VERSION;
const volatile __u32 ${RODATA.ipv6PrefixLen} = 64;
const volatile __u8 ${RODATA.ipv6Mask}[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const volatile __u32 ${RODATA.coarseClock} = 0;
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 1024);
  __uint(key_size, IBSR_KEY_SIZE_V4); __type(value, struct ibsr_value); } ${MAP_FLOWS4} SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 1024);
  __uint(key_size, IBSR_KEY_SIZE); __type(value, struct ibsr_value); } ${MAP_FLOWS6} SEC(".maps");
struct ibsr_port_bitmap { __u8 bits[IBSR_PORT_BITMAP_BYTES]; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1);
  __type(key, __u32); __type(value, struct ibsr_port_bitmap); } ${MAP_PORTS} SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1);
  __type(key, __u32); __type(value, struct ibsr_global); } ${MAP_GLOBAL} SEC(".maps");
SEC("xdp")
int ${PROGRAM_NAME}(struct xdp_md *ctx) {
${body}
}
`;
}

export function compileVariant(dir: string, name: string, body: string): string {
  const c = join(dir, `${name}.bpf.c`);
  const o = join(dir, `${name}.bpf.o`);
  writeFileSync(c, objectSource(body));
  const arch = execFileSync("gcc", ["-print-multiarch"], { encoding: "utf8" }).trim();
  execFileSync("clang", [
    "-O2",
    "-g",
    "-target",
    "bpf",
    `-I/usr/include/${arch}`,
    `-I${join(REPO_ROOT, "bpf")}`,
    "-c",
    c,
    "-o",
    o,
  ]);
  return o;
}
