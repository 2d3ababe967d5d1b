// The shape every verifier layer reports in: one finding per broken rule occurrence, its message
// naming the rule, the section and (for bytecode) the instruction with its disassembly.

export interface Finding {
  /** Rule id, e.g. `exit-returns-pass`; docs/safety.md lists them all. */
  rule: string;
  /** ELF section (object layer), or the C file (source layer). */
  section: string;
  /** Instruction index within the section (object layer) or line number (source layer). */
  insn?: number;
  line?: number;
  message: string;
}

/** Every rule id the object layer can report, with the guarantee it protects. */
export const OBJECT_RULES: Record<string, string> = {
  "single-program": "exactly one program, in section `xdp`; no other code",
  "no-back-edge": "no backward jump anywhere: bounded, O(1) execution",
  "jump-target": "every jump lands on an instruction inside the program",
  "opcode-allowlist": "only instruction encodings the analysis models",
  "no-subprog-call": "no BPF-to-BPF calls",
  "no-kfunc": "no kernel function calls",
  "no-callback": "no BPF function addresses (callbacks)",
  "helper-allowlist": "only map lookup/insert and the clock",
  "exit-returns-pass": "every exit returns the constant XDP_PASS",
  "store-target": "stores only to the stack or to NULL-checked map values",
  "update-noexist": "map updates only insert (BPF_NOEXIST), never overwrite a live entry",
  "no-core-reloc": "no CO-RE relocations: nothing rewrites instructions after verification",
  "reloc-allowed-map": "every relocation resolves to an allowed map or this object's global data",
  "map-definition": "maps are BTF-defined with only known fields",
  "map-name": "map names start with `ibsr`",
  "map-type": "map types LRU_HASH, ARRAY, PERCPU_ARRAY only",
  "map-flags": "no map flags (no BPF_F_NO_COMMON_LRU, ...)",
  "map-size": "max_entries present and bounded",
};

/** Rule ids of the source layer (clang AST). */
export const SOURCE_RULES: Record<string, string> = {
  "source-single-program": "one function with a section attribute, taking struct xdp_md *",
  "source-return-pass": "every return in the program is the constant XDP_PASS",
  "source-helper-allowlist": "helper calls resolve to allowed IDs",
  "source-no-kfunc": "no calls to functions without a body",
  "source-no-callback": "no functions passed as arguments",
  "source-inline-asm": "no inline assembly",
  "source-packet-write": "no writes through pointers derived from ctx->data",
  "source-ctx-write": "no writes into the context",
  "source-map-type": "map types on the allowlist",
  "source-map-flags": "no map flags",
};

/** Rule ids of the post-load check (bpf_prog_info / bpf_map_info); it also reports map-* rules. */
export const LOADED_RULES: Record<string, string> = {
  "loaded-prog-type": "the loaded program is XDP",
  "loaded-prog-name": "the loaded program is named ibsr...",
  "loaded-map-set": "every map the program references is one the collector opened or a global-data array",
};
