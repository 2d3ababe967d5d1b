// The object layer on minimal hand-built objects (no clang): program/section structure, maps from
// BTF, relocations, CO-RE and unreadable input. test/verifier-corpus.test.ts and
// test/verifier-mutants.test.ts cover what clang really emits.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  buildElf,
  CODE,
  DATA,
  type MapSpec,
  mapBtf,
  type RelSpec,
  RODATA,
  STT_FUNC,
  type SymbolSpec,
} from "../testing/bpf-objects.js";
import { asm, assemble } from "./asm.js";
import { UnreadableObjectError, verifyObject } from "./object.js";

const { mov, st, movr, add, ld64, call, jeq, exit, ldx } = asm;

/** r0 = lookup(map at insn 3); if r0 { *r0 += 1 }; r0 = 2; exit */
const COUNTING = assemble([
  st("w", 10, -4, 0), // 0
  movr(2, 10), // 1
  add(2, -4), // 2
  ld64(1), // 3-4: relocated to the map
  call(1), // 5
  jeq(0, 0, 1), // 6
  st("dw", 0, 0, 1), // 7
  mov(0, 2), // 8
  exit(), // 9
]);

interface Spec {
  code?: Uint8Array;
  maps?: MapSpec[];
  btf?: Uint8Array | null;
  extraSections?: { name: string; flags: number; data: Uint8Array }[];
  symbols?: SymbolSpec[];
  rels?: RelSpec[];
  programName?: string;
}

function object(spec: Spec = {}): Uint8Array {
  const code = spec.code ?? COUNTING;
  const maps = spec.maps ?? [{ name: "ibsr_count", type: 6, maxEntries: 1 }];
  const sections = [
    { name: "xdp", flags: CODE, data: code },
    { name: ".maps", flags: DATA, data: new Uint8Array(32 * Math.max(1, maps.length)) },
    { name: "license", flags: DATA, data: new TextEncoder().encode("GPL\0") },
    ...(spec.extraSections ?? []),
  ];
  if (spec.btf !== null) sections.push({ name: ".BTF", flags: 0, data: spec.btf ?? mapBtf(maps) });
  const symbols: SymbolSpec[] = [
    { name: spec.programName ?? "ibsr_xdp", section: "xdp", type: STT_FUNC, size: code.length },
    ...maps.map((m, i) => ({ name: m.name, section: ".maps", value: 32 * i, size: 32 })),
    ...(spec.symbols ?? []),
  ];
  const rels = spec.rels ?? [{ target: "xdp", entries: [{ offset: 3 * 8, symbol: maps[0]?.name ?? "?" }] }];
  return buildElf(sections, symbols, rels);
}

function findings(bytes: Uint8Array): string[] {
  return verifyObject(bytes).findings.map((f) => `${f.rule}: ${f.message.slice(f.rule.length + 2)}`);
}

describe("verifyObject on built objects", () => {
  test("a minimal counting program passes and is described", () => {
    const r = verifyObject(object());
    assert.deepEqual(r.findings, []);
    assert.deepEqual(r.program, {
      name: "ibsr_xdp",
      section: "xdp",
      insns: 9,
      reachable: 9,
      exits: 1,
      helpers: [1],
    });
    assert.deepEqual(r.maps, [
      {
        name: "ibsr_count",
        type: 6,
        typeName: "BPF_MAP_TYPE_PERCPU_ARRAY",
        keySize: 4,
        valueSize: 8,
        maxEntries: 1,
        flags: 0,
        internal: false,
      },
    ]);
  });

  test("code in another section, or no xdp section at all", () => {
    const extra = object({
      extraSections: [{ name: ".text", flags: CODE, data: assemble([mov(0, 1), exit()]) }],
    });
    assert.deepEqual(findings(extra), [
      'single-program: section .text holds code; only one program, in section "xdp", is allowed (no subprograms, no second program)',
    ]);
    const renamed = buildElf([{ name: "xdp/other", flags: CODE, data: assemble([mov(0, 2), exit()]) }], []);
    assert.deepEqual(
      verifyObject(renamed).findings.map((f) => f.rule),
      ["single-program", "single-program"],
    );
    const twice = buildElf(
      [
        { name: "xdp", flags: CODE, data: assemble([mov(0, 2), exit()]) },
        { name: "xdp", flags: CODE, data: assemble([mov(0, 1), exit()]) },
      ],
      [],
    );
    assert.ok(
      findings(twice).includes(
        'single-program: more than one section is named "xdp"; exactly one program is allowed',
      ),
    );
  });

  test("two programs in the xdp section; the second one's exit is analysed too", () => {
    const code = assemble([mov(0, 2), exit(), mov(0, 4), exit()]);
    const r = verifyObject(
      object({
        code,
        rels: [],
        symbols: [{ name: "ibsr_other", section: "xdp", type: STT_FUNC, value: 16, size: 16 }],
      }),
    );
    assert.deepEqual(
      r.findings.map((f) => f.rule),
      ["single-program", "exit-returns-pass"],
    );
    assert.match(r.findings[1]!.message, /r0 may be 4 \(XDP_REDIRECT\)/);
  });

  test("map rules: type, flags, size, name, extra fields; and the relocation to such a map", () => {
    const cases: [MapSpec, string[]][] = [
      [{ name: "ibsr_devs", type: 14, maxEntries: 4 }, ["map-type", "reloc-allowed-map"]],
      [{ name: "ibsr_flows", type: 9, maxEntries: 64, flags: 2 }, ["map-flags", "reloc-allowed-map"]],
      [{ name: "ibsr_flows", type: 9, maxEntries: 0 }, ["map-size", "reloc-allowed-map"]],
      [{ name: "counts", type: 2, maxEntries: 1 }, ["map-name", "reloc-allowed-map"]],
      [{ name: "ibsr_a_very_long_name", type: 2, maxEntries: 1 }, ["map-name", "reloc-allowed-map"]],
      [
        { name: "ibsr_pinned", type: 2, maxEntries: 1, extraField: "pinning" },
        ["map-definition", "reloc-allowed-map"],
      ],
    ];
    for (const [m, rules] of cases) {
      const r = verifyObject(object({ maps: [m] }));
      assert.deepEqual(
        r.findings.map((f) => f.rule).sort(),
        [...rules].sort(),
        `${m.name}: ${r.findings.map((f) => f.message).join("\n")}`,
      );
    }
    assert.deepEqual(
      findings(object({ maps: [{ name: "ibsr_big", type: 2, maxEntries: 1 << 30 }] })).slice(-1),
      ["map-size: map ibsr_big: max_entries 1073741824: must be between 1 and 16777216"],
    );
    assert.equal(
      verifyObject(object({ maps: [{ name: "ibsr_big", type: 2, maxEntries: 1 << 30 }] }), {
        maxEntriesLimit: 1 << 30,
      }).ok,
      true,
    );
  });

  test("maps that cannot be read from BTF are rejected", () => {
    assert.deepEqual(
      verifyObject(object({ btf: null })).findings.map((f) => f.rule),
      ["reloc-allowed-map", "map-definition", "map-definition"],
    );
    const legacy = object({ extraSections: [{ name: "maps", flags: DATA, data: new Uint8Array(20) }] });
    assert.match(findings(legacy).join("\n"), /map-definition: legacy `maps` section/);
    const undeclared = object({ symbols: [{ name: "ibsr_hidden", section: ".maps", value: 32, size: 32 }] });
    assert.deepEqual(findings(undeclared), [
      "map-definition: map ibsr_hidden: no BTF definition in the .maps DATASEC",
    ]);
  });

  test("relocations: to an extern, to a non-map section, on a non-ld_imm64, patching .maps", () => {
    const ext = object({
      symbols: [{ name: "bpf_prog_active" }],
      rels: [{ target: "xdp", entries: [{ offset: 24, symbol: "bpf_prog_active" }] }],
    });
    assert.match(
      findings(ext).join("\n"),
      /reloc-allowed-map: xdp insn 3 \(r1 = 0 ll\): relocation to bpf_prog_active: the symbol is not defined in this object/,
    );

    const lic = object({
      symbols: [{ name: "LICENSE", section: "license", size: 4 }],
      rels: [{ target: "xdp", entries: [{ offset: 24, symbol: "LICENSE" }] }],
    });
    assert.match(findings(lic).join("\n"), /relocation to LICENSE: section license is neither \.maps nor/);

    const onStore = object({ rels: [{ target: "xdp", entries: [{ offset: 0, symbol: "ibsr_count" }] }] });
    assert.ok(
      findings(onStore).some((f) => /xdp insn 0 .*only ld_imm64 map references may be relocated/.test(f)),
    );

    const mapsPatched = object({
      rels: [
        { target: "xdp", entries: [{ offset: 24, symbol: "ibsr_count" }] },
        { target: ".maps", entries: [{ offset: 0, symbol: "ibsr_xdp" }] },
      ],
    });
    assert.match(
      findings(mapsPatched).join("\n"),
      /reloc-allowed-map: 1 relocation\(s\) patch section \.maps/,
    );
  });

  test("reads of .rodata are allowed, and an action read from it into r0 is not", () => {
    const code = assemble([ld64(1), ldx("w", 0, 1, 0), exit()]);
    const sections = [
      { name: "xdp", flags: CODE, data: code },
      { name: ".rodata", flags: RODATA, data: new Uint8Array(4) },
    ];
    const syms: SymbolSpec[] = [
      { name: "ibsr_xdp", section: "xdp", type: STT_FUNC, size: code.length },
      { name: "verdict", section: ".rodata", size: 4 },
    ];
    const r = verifyObject(
      buildElf(sections, syms, [{ target: "xdp", entries: [{ offset: 0, symbol: "verdict" }] }]),
    );
    assert.deepEqual(
      r.findings.map((f) => f.rule),
      ["exit-returns-pass"],
    );
    assert.ok(r.maps.some((m) => m.name === ".rodata" && m.internal && m.valueSize === 4));
  });

  test("CO-RE relocations in .BTF.ext are refused", () => {
    const ext = new Uint8Array(40);
    const dv = new DataView(ext.buffer);
    dv.setUint16(0, 0xeb9f, true);
    dv.setUint8(2, 1);
    dv.setUint32(4, 32, true); // hdr_len: with core_relo_off/len
    dv.setUint32(28, 8, true); // core_relo_len
    const withCore = object({ extraSections: [{ name: ".BTF.ext", flags: 0, data: ext }] });
    assert.deepEqual(findings(withCore), [
      "no-core-reloc: 8 bytes of CO-RE relocations: libbpf would patch instructions after verification (drop __builtin_preserve_access_index / BPF_CORE_READ)",
    ]);
    dv.setUint32(28, 0, true);
    assert.deepEqual(findings(object({ extraSections: [{ name: ".BTF.ext", flags: 0, data: ext }] })), []);
  });

  test("unreadable input throws UnreadableObjectError (exit 2), not a finding", () => {
    const unreadable = (bytes: Uint8Array, re: RegExp) =>
      assert.throws(
        () => verifyObject(bytes),
        (e: unknown) => e instanceof UnreadableObjectError && re.test(e.message),
      );
    unreadable(new TextEncoder().encode("hello"), /not a readable BPF object: file is 5 bytes/);
    unreadable(
      object({ code: COUNTING.subarray(0, 12) }),
      /section xdp: code is 12 bytes, not a multiple of 8/,
    );
    const badBtf = mapBtf([{ name: "ibsr_count", type: 6, maxEntries: 1 }]);
    badBtf[0] = 0;
    unreadable(object({ btf: badBtf }), /\.BTF: \.BTF magic/);
  });
});
