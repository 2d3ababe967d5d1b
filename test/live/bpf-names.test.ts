// While loaded, the program and every map it uses carry "ibsr" in the names bpftool shows, and the
// kernel's own view (bpf_prog_info / bpf_map_info) agrees with what the object declared.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { type FlowMapName, MAP_FLOWS, MAP_NAMES, mapSizes, PROGRAM_NAME } from "@ibsr/contract";
import { mapInfoById, progInfo } from "../../packages/collector/src/libbpf/index.js";
import { requireLive } from "../harness/live.js";
import { loadIbsr } from "./bpf-fixture.js";

function bpftool<T>(...args: string[]): T {
  return JSON.parse(execFileSync("bpftool", ["-j", ...args], { encoding: "utf8" })) as T;
}

test("bpftool shows the program and its maps named with ibsr", (t) => {
  if (!requireLive(t)) return;
  const f = loadIbsr({ mapSize: 2048 });
  try {
    const info = progInfo(f.progFd);
    assert.equal(info.name, PROGRAM_NAME);
    assert.equal(info.type, 6, "BPF_PROG_TYPE_XDP");
    assert.ok(info.gplCompatible, "license Dual MIT/GPL is GPL-compatible");
    assert.ok(info.xlatedInsns.length > 0 && info.xlatedInsns.length % 8 === 0);
    const shown = bpftool<{ id: number; name: string; type: string; map_ids: number[] }>(
      "prog",
      "show",
      "id",
      String(info.id),
    );
    assert.equal(shown.name, PROGRAM_NAME);
    assert.equal(shown.type, "xdp");
    assert.deepEqual([...shown.map_ids].sort(), [...info.mapIds].sort());
    const names: string[] = [];
    for (const id of info.mapIds) {
      const m = bpftool<{ name: string; type: string; max_entries: number }>("map", "show", "id", String(id));
      assert.match(m.name, /ibsr/, `map ${id} name ${m.name}`);
      assert.equal(mapInfoById(id)?.name, m.name);
      names.push(m.name);
      if ((MAP_FLOWS as readonly string[]).includes(m.name)) {
        assert.equal(m.type, "lru_hash");
        assert.equal(m.max_entries, mapSizes(2048)[m.name as FlowMapName]);
      }
    }
    for (const n of MAP_NAMES) assert.ok(names.includes(n), `${n} used by the program`);
  } finally {
    f.close();
  }
});
