// Source-layer cases beyond the corpus: flows the AST walk must follow (inline functions, parameters,
// pointer copies) and things it must not confuse with packet writes. Needs clang (skips otherwise).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { clangUnavailableReason } from "./clang.js";
import { SourceParseError, verifySource } from "./source.js";

const PRELUDE = `#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
`;

const noClang = clangUnavailableReason();

describe("source layer", { skip: noClang ?? false }, () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "ibsr-source-"));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function check(name: string, body: string) {
    const file = join(dir, `${name}.c`);
    writeFileSync(file, PRELUDE + body);
    const r = await verifySource(file);
    return { rules: r.findings.map((f) => f.rule), messages: r.findings.map((f) => f.message), result: r };
  }

  test("a safe program: stack writes, map value writes, packet reads", async () => {
    const r = await check(
      "safe",
      `struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } ibsr_a SEC(".maps");
SEC("xdp") int ibsr_xdp(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  __u8 copy[6] = {};
  if ((void *)(eth + 1) > end) return XDP_PASS;
  copy[0] = eth->h_source[0];
  __u32 k = copy[0] & 0;
  __u64 *v = bpf_map_lookup_elem(&ibsr_a, &k);
  if (v) *v += eth->h_proto;
  return XDP_PASS;
}`,
    );
    assert.deepEqual(r.messages, []);
    assert.deepEqual(r.result.maps, [{ name: "ibsr_a", type: 2, flags: 0 }]);
  });

  test("a write through a packet pointer passed to an inline function is found, with its line", async () => {
    const r = await check(
      "inline",
      `static __always_inline void scribble(unsigned char *p) { p[0] = 0; }
SEC("xdp") int ibsr_xdp(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  unsigned char *q = data;
  if (q + 1 > (unsigned char *)(long)ctx->data_end) return XDP_PASS;
  scribble(q);
  return XDP_PASS;
}`,
    );
    assert.deepEqual(r.rules, ["source-packet-write"]);
    assert.match(r.messages[0] ?? "", /inline\.c:5: .* in scribble/);
  });

  test("__builtin_memset into the packet is a packet write", async () => {
    const r = await check(
      "memset",
      `SEC("xdp") int ibsr_xdp(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  if (data + 14 > (void *)(long)ctx->data_end) return XDP_PASS;
  __builtin_memset(data, 0, 6);
  return XDP_PASS;
}`,
    );
    assert.deepEqual(r.rules, ["source-packet-write"]);
  });

  test("returns: enum constants and literals are evaluated; anything not constant is refused", async () => {
    const r = await check(
      "returns",
      `#define OK XDP_PASS
SEC("xdp") int ibsr_xdp(struct xdp_md *ctx) {
  if (ctx->ingress_ifindex == 1) return OK;
  if (ctx->ingress_ifindex == 2) return 2;
  if (ctx->ingress_ifindex == 3) return (int)XDP_PASS;
  return ctx->ingress_ifindex ? XDP_PASS : XDP_PASS;
}`,
    );
    assert.deepEqual(r.rules, ["source-return-pass"]);
    assert.match(
      r.messages[0] ?? "",
      /returns\.c:10: program ibsr_xdp returns a value that is not a compile-time constant/,
    );
  });

  test("a call through a function pointer cannot be resolved and is refused", async () => {
    const r = await check(
      "fnptr",
      `SEC("xdp") int ibsr_xdp(struct xdp_md *ctx) {
  long (*f)(__u32, __u64) = ctx->ingress_ifindex ? bpf_redirect : 0;
  if (f) f(1, 0);
  return XDP_PASS;
}`,
    );
    assert.ok(r.rules.includes("source-helper-allowlist"), r.messages.join("\n"));
  });

  test("a map of a disallowed type declared but unused is still refused", async () => {
    const r = await check(
      "unused-map",
      `struct { __uint(type, BPF_MAP_TYPE_CPUMAP); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } ibsr_cpus SEC(".maps");
SEC("xdp") int ibsr_xdp(struct xdp_md *ctx) { return XDP_PASS; }`,
    );
    assert.deepEqual(r.rules, ["source-map-type"]);
    assert.match(r.messages[0] ?? "", /BPF_MAP_TYPE_CPUMAP \(16\)/);
  });

  test("a file clang cannot parse throws SourceParseError with clang's message", async () => {
    const file = join(dir, "bad.c");
    writeFileSync(file, '#include "does-not-exist.h"\n');
    await assert.rejects(
      verifySource(file),
      (e: unknown) => e instanceof SourceParseError && /does-not-exist\.h/.test(e.message),
    );
  });
});
