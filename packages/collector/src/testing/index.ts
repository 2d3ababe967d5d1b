// @ibsr/collector/testing: helpers for tests (never imported by production code; test/testing-boundary.test.ts).
// bpf-objects: minimal .BTF blobs and BPF ELF objects built by hand for the safety verifier's unit tests.

// arrow-reference: the snapshot encoder through apache-arrow (the one before issue 15), to compare against.
export * from "./arrow-reference.js";
export * from "./bpf-objects.js";
// hash-deltas: the delta engine with hash tables (the one before issue 15), the merge's reference.
export * from "./hash-deltas.js";
// notify-socket: a real sd_notify receiver (AF_UNIX datagrams) standing in for systemd.
export * from "./notify-socket.js";
// parquet-read: snapshot files decoded back into rows and footer pairs (through apache-arrow).
export * from "./parquet-read.js";
// promtool: `promtool check metrics` on exposition text.
export * from "./promtool.js";
// sample-heartbeat: a healthy heartbeat to vary in status and metrics tests.
export * from "./sample-heartbeat.js";
