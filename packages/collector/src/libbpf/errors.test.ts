import assert from "node:assert/strict";
import { test } from "node:test";
import { errnoName, LibbpfError } from "./errors.js";
import { openObjectMem } from "./index.js";

test("errno names and hints per operation", () => {
  assert.equal(errnoName(1), "EPERM");
  assert.equal(errnoName(-16), "EBUSY");
  assert.equal(errnoName(524), "ENOTSUPP");
  assert.equal(errnoName(9999), "E9999");
  const perm = new LibbpfError("load", -1, "BPF object ibsr");
  assert.equal(perm.errno, 1);
  assert.match(perm.hint, /CAP_BPF \+ CAP_NET_ADMIN/);
  assert.match(perm.message, /libbpf load failed for BPF object ibsr: EPERM/);
  assert.match(new LibbpfError("attach", 95, "x").hint, /--xdp-mode generic/);
  assert.match(new LibbpfError("attach", 22, "x").hint, /--xdp-mode generic/);
  assert.match(new LibbpfError("attach", 16, "x").hint, /bpftool net/);
  assert.match(new LibbpfError("attach", 17, "x").hint, /ip link show dev/);
  assert.match(new LibbpfError("load", 7, "x").hint, /--map-size/);
  assert.match(new LibbpfError("map_update", 12, "x").hint, /--map-size/);
  // EINVAL at load is not an attach-mode problem
  assert.doesNotMatch(new LibbpfError("load", 22, "x").hint, /xdp-mode/);
  assert.equal(new LibbpfError("map_batch", 5, "x").hint, "");
});

test("opening bytes that are not a BPF ELF fails with op open and a rebuild hint", (t) => {
  try {
    openObjectMem(Buffer.from("definitely not an ELF file"), "junk");
    assert.fail("opened junk");
  } catch (err) {
    if (err instanceof Error && /cannot load libbpf/.test(err.message)) {
      t.skip(err.message);
      return;
    }
    assert.ok(err instanceof LibbpfError, String(err));
    assert.equal(err.op, "open");
    assert.ok(err.errno > 0);
    assert.match(err.message, /BPF object junk/);
  }
});
