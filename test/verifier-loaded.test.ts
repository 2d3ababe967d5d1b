// The post-load check against the kernel: the real object loaded with a requested map size must
// pass checkLoaded; the same object with a different expectation, and a loadable corpus program
// with a plain hash map, must fail it. Needs root + BPF (skips with the reason otherwise).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { openObjectMem } from "../packages/collector/src/libbpf/index.js";
import { clangUnavailableReason, compileBpf } from "../packages/collector/src/safety/clang.js";
import { checkLoaded } from "../packages/collector/src/safety/loaded.js";
import { verifyObject } from "../packages/collector/src/safety/object.js";
import { requireLive } from "./harness/live.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

async function objectBytes(dir: string): Promise<Buffer | string> {
  const built = join(REPO_ROOT, "bpf/build/ibsr.bpf.o");
  if (existsSync(built)) return readFileSync(built);
  const why = clangUnavailableReason();
  if (why) return why;
  return readFileSync(
    await compileBpf(join(REPO_ROOT, "bpf/ibsr.bpf.c"), dir, { includeDirs: [join(REPO_ROOT, "bpf")] }),
  );
}

test("checkLoaded accepts the real program as loaded, and notices a size that differs from the request", async (t) => {
  if (!requireLive(t)) return;
  const dir = mkdtempSync(join(tmpdir(), "ibsr-loaded-"));
  try {
    const bytes = await objectBytes(dir);
    if (typeof bytes === "string") {
      t.skip(bytes);
      return;
    }
    const verified = verifyObject(bytes);
    assert.equal(verified.ok, true);
    const obj = openObjectMem(bytes, "ibsr_verifier_test");
    try {
      obj.map("ibsr_flows4").setMaxEntries(4096);
      obj.map("ibsr_flows6").setMaxEntries(1024);
      obj.load();
      const fds = {
        ibsr_flows4: obj.map("ibsr_flows4").fd,
        ibsr_flows6: obj.map("ibsr_flows6").fd,
        ibsr_ports: obj.map("ibsr_ports").fd,
        ibsr_global: obj.map("ibsr_global").fd,
      };
      const progFd = obj.program("ibsr_xdp").fd;
      const sizes = { ibsr_flows4: 4096, ibsr_flows6: 1024 };
      const ok = checkLoaded(progFd, fds, { object: verified, maxEntries: sizes });
      assert.deepEqual(
        ok.findings.map((f) => f.message),
        [],
      );
      // The program references our four maps and libbpf's .rodata array.
      assert.equal(ok.maps.length, 5);
      assert.ok(ok.maps.some((m) => m.name.endsWith(".rodata")));

      const wrong = checkLoaded(progFd, fds, {
        object: verified,
        maxEntries: { ...sizes, ibsr_flows4: 100000 },
      });
      assert.deepEqual(
        wrong.findings.map((f) => f.message),
        [
          `map-size: map ibsr_flows4 (id ${ok.maps.find((m) => m.name === "ibsr_flows4")?.id}): max_entries 4096 in the kernel, 100000 requested`,
        ],
      );
      // As the collector calls it: libbpf's .rodata map passed by fd too (no lookup by id needed).
      const asRun = checkLoaded(
        progFd,
        { ...fds, ".rodata": obj.map(".rodata").fd },
        { object: verified, maxEntries: sizes },
      );
      assert.deepEqual(
        asRun.findings.map((f) => f.message),
        [],
      );
      // A map the program uses but the collector did not name is not waved through.
      const partial = checkLoaded(
        progFd,
        { ibsr_flows4: fds.ibsr_flows4, ibsr_flows6: fds.ibsr_flows6 },
        { object: verified, maxEntries: sizes },
      );
      assert.deepEqual(
        partial.findings.map((f) => f.rule),
        ["loaded-map-set", "loaded-map-set"],
      );
    } finally {
      obj.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("checkLoaded rejects a loaded program whose map is a plain hash", async (t) => {
  if (!requireLive(t)) return;
  const why = clangUnavailableReason();
  if (why) {
    t.skip(why);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "ibsr-loaded-"));
  try {
    const o = await compileBpf(join(REPO_ROOT, "test/fixtures/unsafe-bpf/map-type--plain-hash.c"), dir);
    // Loaded only to read it back from the kernel: never attached to anything.
    const obj = openObjectMem(readFileSync(o), "ibsr_verifier_bad");
    try {
      obj.load();
      const r = checkLoaded(
        obj.program("ibsr_xdp").fd,
        { ibsr_flows: obj.map("ibsr_flows").fd, ibsr_count: obj.map("ibsr_count").fd },
        { maxEntries: { ibsr_flows: 1024, ibsr_count: 1 } },
      );
      assert.deepEqual(
        r.findings.map((f) => f.rule),
        ["map-type"],
      );
      assert.match(
        r.findings[0]!.message,
        /map ibsr_flows \(id \d+\): BPF_MAP_TYPE_HASH \(1\) is not allowed/,
      );
    } finally {
      obj.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
