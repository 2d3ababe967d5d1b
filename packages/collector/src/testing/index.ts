// @ibsr/collector/testing: helpers for tests (never imported by production code; test/testing-boundary.test.ts).
// bpf-objects: minimal .BTF blobs and BPF ELF objects built by hand for the safety verifier's unit tests.
export * from "./bpf-objects.js";
