// The unsafe corpus: every C file in test/fixtures/unsafe-bpf/ is compiled with clang -O2 -g -target
// bpf and must be rejected by the OBJECT layer alone, with a finding naming the rule the file breaks
// (and no finding of a rule the case does not touch: the verifier must be precise, not just loud).
// The real program must pass both layers. The source layer's verdict on each file is pinned too.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { clangUnavailableReason, compileBpf } from "../packages/collector/src/safety/clang.js";
import { verifyObject } from "../packages/collector/src/safety/object.js";
import { verifySource } from "../packages/collector/src/safety/source.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CORPUS = join(REPO_ROOT, "test/fixtures/unsafe-bpf");

interface Case {
  /** Rules that must be among the object layer's findings (the first is the one the file is named for). */
  rules: string[];
  /** Rules that may also appear because the same code breaks them too (e.g. a devmap is also a bad map type). */
  also?: string[];
  /** Text the primary finding must contain. */
  mentions: RegExp;
  /** Rules the source layer must report ([] = the source layer cannot see it; the object layer must). */
  source: string[];
}

const CASES: Record<string, Case> = {
  "exit-returns-pass--drop-direct.c": {
    rules: ["exit-returns-pass"],
    mentions: /xdp insn \d+ \(exit\): r0 may be 1 \(XDP_DROP\) here \(set by insn \d+: r0 = 1\)/,
    source: ["source-return-pass"],
  },
  "exit-returns-pass--drop-variable.c": {
    rules: ["exit-returns-pass"],
    mentions: /r0 may be 1 \(XDP_DROP\)/,
    source: ["source-return-pass"],
  },
  "exit-returns-pass--drop-macro.c": {
    rules: ["exit-returns-pass"],
    mentions: /r0 may be 1 \(XDP_DROP\)/,
    source: ["source-return-pass"],
  },
  "exit-returns-pass--return-one.c": {
    rules: ["exit-returns-pass"],
    mentions: /r0 may be 1 \(XDP_DROP\)/,
    source: ["source-return-pass"],
  },
  "exit-returns-pass--tx.c": {
    rules: ["exit-returns-pass"],
    mentions: /r0 may be 3 \(XDP_TX\)/,
    source: ["source-return-pass"],
  },
  "exit-returns-pass--action-from-map.c": {
    rules: ["exit-returns-pass"],
    mentions: /r0 may be a value loaded from memory \(set by insn \d+: r0 = \*\(u32 \*\)/,
    source: ["source-return-pass"],
  },
  "single-program--aborted-second-program.c": {
    rules: ["single-program", "exit-returns-pass"],
    mentions: /section xdp holds 2 programs \(ibsr_xdp, ibsr_xdp_other\)/,
    source: ["source-single-program", "source-return-pass"],
  },
  "helper-allowlist--redirect.c": {
    rules: ["helper-allowlist", "exit-returns-pass"],
    mentions: /call bpf_redirect#23\): helper bpf_redirect \(#23\) is not allowed/,
    source: ["source-helper-allowlist", "source-return-pass"],
  },
  "helper-allowlist--redirect-map-devmap.c": {
    rules: ["helper-allowlist", "map-type"],
    also: ["exit-returns-pass", "reloc-allowed-map"],
    mentions: /bpf_redirect_map \(#51\)/,
    source: ["source-helper-allowlist", "source-map-type", "source-return-pass"],
  },
  "helper-allowlist--xdp-adjust-head.c": {
    rules: ["helper-allowlist"],
    mentions: /bpf_xdp_adjust_head \(#44\)/,
    source: ["source-helper-allowlist"],
  },
  "helper-allowlist--xdp-store-bytes.c": {
    rules: ["helper-allowlist"],
    mentions: /bpf_xdp_store_bytes \(#190\)/,
    source: ["source-helper-allowlist"],
  },
  "helper-allowlist--ringbuf-output.c": {
    rules: ["helper-allowlist", "map-type"],
    also: ["reloc-allowed-map", "map-definition"],
    mentions: /bpf_ringbuf_output \(#130\)/,
    source: ["source-helper-allowlist", "source-map-type"],
  },
  "helper-allowlist--perf-event-output.c": {
    rules: ["helper-allowlist", "map-type"],
    also: ["reloc-allowed-map", "map-size"],
    mentions: /bpf_perf_event_output \(#25\)/,
    source: ["source-helper-allowlist", "source-map-type"],
  },
  "helper-allowlist--trace-printk.c": {
    rules: ["helper-allowlist"],
    mentions: /bpf_trace_printk \(#6\)/,
    source: ["source-helper-allowlist"],
  },
  "helper-allowlist--jiffies64.c": {
    rules: ["helper-allowlist"],
    mentions: /bpf_jiffies64 \(#118\)/,
    source: ["source-helper-allowlist"],
  },
  "helper-allowlist--tail-call.c": {
    rules: ["helper-allowlist", "map-type"],
    also: ["reloc-allowed-map"],
    mentions: /bpf_tail_call \(#12\)/,
    source: ["source-helper-allowlist", "source-map-type"],
  },
  "store-target--packet-write.c": {
    rules: ["store-target"],
    mentions: /stores through r\d, which is a packet pointer \(derived from ctx->data\)/,
    source: ["source-packet-write"],
  },
  "store-target--packet-write-spilled.c": {
    rules: ["store-target"],
    // The pointer that is written through was filled back from the stack slot it was spilled to.
    mentions:
      /which is a packet pointer \(derived from ctx->data\) \(set by insn \d+: r\d = \*\(u64 \*\)\(r10 - \d+\)\)/,
    source: ["source-packet-write"],
  },
  "store-target--ctx-write.c": {
    rules: ["store-target"],
    mentions: /which is the context pointer \(struct xdp_md\)/,
    source: ["source-ctx-write"],
  },
  "store-target--unchecked-map-value.c": {
    rules: ["store-target"],
    mentions: /map value pointer into ibsr_count that may be NULL/,
    source: [],
  },
  "no-back-edge--loop.c": {
    rules: ["no-back-edge"],
    mentions: /jumps back to insn \d+; backward jumps \(loops\) are not allowed/,
    source: [],
  },
  "no-subprog-call--noinline.c": {
    rules: ["no-subprog-call", "single-program"],
    mentions: /BPF-to-BPF call to frame_len is not allowed/,
    source: [],
  },
  "no-kfunc--extern-ksym.c": {
    rules: ["no-kfunc"],
    mentions: /calls extern bpf_dynptr_from_xdp, a kernel function \(kfunc\)/,
    source: ["source-no-kfunc"],
  },
  "no-callback--bpf-loop.c": {
    rules: ["no-callback", "helper-allowlist", "single-program"],
    mentions: /loads the address of step in \.text: a callback/,
    source: ["source-no-callback", "source-helper-allowlist"],
  },
  "map-type--plain-hash.c": {
    rules: ["map-type", "reloc-allowed-map"],
    mentions: /map ibsr_flows: BPF_MAP_TYPE_HASH \(1\) is not allowed/,
    source: ["source-map-type"],
  },
  "update-noexist--bpf-any.c": {
    rules: ["update-noexist"],
    mentions:
      /bpf_map_update_elem flags \(r4\) must be the constant BPF_NOEXIST \(1\) on every path; here r4 is 0/,
    source: [],
  },
  "no-core-reloc--preserve-access-index.c": {
    rules: ["no-core-reloc"],
    mentions: /\d+ bytes of CO-RE relocations: libbpf would patch instructions after verification/,
    source: [],
  },
  "map-flags--no-common-lru.c": {
    rules: ["map-flags", "reloc-allowed-map"],
    mentions: /map_flags BPF_F_NO_COMMON_LRU \(0x2\) not allowed/,
    source: ["source-map-flags"],
  },
};

const noClang = clangUnavailableReason();

function skipWithoutClang(t: { skip(msg: string): void }): boolean {
  if (noClang === null) return false;
  if (process.env.CI) throw new Error(`verifier corpus cannot run in CI: ${noClang}`);
  t.skip(noClang);
  return true;
}

describe("unsafe BPF corpus", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "ibsr-corpus-"));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("every corpus file has an expected rule, and every expected file exists", () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith(".c"));
    assert.deepEqual(files.sort(), Object.keys(CASES).sort());
    for (const [file, c] of Object.entries(CASES)) {
      // Files are named for the rule they break: <rule>--<case>.c
      assert.equal(file.split("--")[0], c.rules[0], `${file} is named for ${c.rules[0]}`);
    }
  });

  for (const [file, c] of Object.entries(CASES)) {
    test(`object layer rejects ${file} with ${c.rules.join(", ")}`, async (t) => {
      if (skipWithoutClang(t)) return;
      const obj = await compileBpf(join(CORPUS, file), dir);
      const result = verifyObject(readFileSync(obj));
      const rules = new Set(result.findings.map((f) => f.rule));
      const shown = result.findings.map((f) => `  ${f.message}`).join("\n");
      assert.equal(result.ok, false, `${file} passed the object layer`);
      for (const r of c.rules) assert.ok(rules.has(r), `${file}: expected a ${r} finding, got:\n${shown}`);
      const allowed = new Set([...c.rules, ...(c.also ?? [])]);
      for (const r of rules) assert.ok(allowed.has(r), `${file}: unexpected ${r} finding:\n${shown}`);
      for (const f of result.findings) assert.ok(f.message.startsWith(`${f.rule}: `), f.message);
      const primary = result.findings.filter((f) => f.rule === c.rules[0]);
      assert.ok(
        primary.some((f) => c.mentions.test(f.message)),
        `${file}: no ${c.rules[0]} finding matches ${c.mentions}:\n${shown}`,
      );
    });
  }

  for (const [file, c] of Object.entries(CASES)) {
    test(`source layer on ${file}: ${c.source.length ? c.source.join(", ") : "not visible (object layer only)"}`, async (t) => {
      if (skipWithoutClang(t)) return;
      const result = await verifySource(join(CORPUS, file));
      const rules = [...new Set(result.findings.map((f) => f.rule))].sort();
      assert.deepEqual(rules, [...c.source].sort(), result.findings.map((f) => f.message).join("\n"));
      for (const f of result.findings) assert.match(f.message, new RegExp(`^${f.rule}: .*${file}:\\d+: `));
    });
  }
});

describe("the real program", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "ibsr-real-"));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** bpf/build/ibsr.bpf.o when `make -C bpf` has built it, else compiled here with the Makefile's flags. */
  async function realObject(): Promise<string> {
    const built = join(REPO_ROOT, "bpf/build/ibsr.bpf.o");
    if (existsSync(built)) return built;
    return compileBpf(join(REPO_ROOT, "bpf/ibsr.bpf.c"), dir, { includeDirs: [join(REPO_ROOT, "bpf")] });
  }

  test("passes the object layer, with the maps and helpers it is meant to have", async (t) => {
    if (!existsSync(join(REPO_ROOT, "bpf/build/ibsr.bpf.o")) && skipWithoutClang(t)) return;
    const bytes = readFileSync(await realObject());
    const t0 = performance.now();
    const result = verifyObject(bytes);
    const ms = performance.now() - t0;
    t.diagnostic(
      `object layer on the real program: ${ms.toFixed(1)} ms, ${result.program?.insns} instructions`,
    );
    assert.deepEqual(
      result.findings.map((f) => f.message),
      [],
    );
    assert.equal(result.program?.name, "ibsr_xdp");
    assert.equal(result.program?.reachable, result.program?.insns, "every instruction is reachable");
    assert.ok((result.program?.exits ?? 0) >= 1);
    assert.deepEqual(
      result.maps
        .filter((m) => !m.internal)
        .map((m) => [m.name, m.typeName, m.keySize, m.valueSize])
        .sort(),
      [
        ["ibsr_flows4", "BPF_MAP_TYPE_LRU_HASH", 8, 72],
        ["ibsr_flows6", "BPF_MAP_TYPE_LRU_HASH", 24, 72],
        ["ibsr_global", "BPF_MAP_TYPE_PERCPU_ARRAY", 4, 48],
        ["ibsr_ports", "BPF_MAP_TYPE_ARRAY", 4, 8192],
      ],
    );
    for (const h of result.program?.helpers ?? []) assert.ok([1, 2, 5, 160].includes(h), `helper ${h}`);
  });

  test("passes the source layer", async (t) => {
    if (skipWithoutClang(t)) return;
    const result = await verifySource(join(REPO_ROOT, "bpf/ibsr.bpf.c"));
    assert.deepEqual(
      result.findings.map((f) => f.message),
      [],
    );
    assert.deepEqual(result.programs, ["ibsr_xdp"]);
    assert.deepEqual(result.maps.map((m) => m.name).sort(), [
      "ibsr_flows4",
      "ibsr_flows6",
      "ibsr_global",
      "ibsr_ports",
    ]);
  });
});
