// The committed WebAssembly module (jsonl-buckets-wasm.ts) must be what packages/report/wasm/build.sh makes
// of jsonl-buckets.c today: an edit to the C without a rebuild, or a module built some other way, fails here.
// Needs Debian's clang and wasm-ld (scripts/setup.sh); where either is missing the test skips, except under
// CI, where a skip would hide a stale module.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const script = join(here, "../../wasm/build.sh");
const committed = join(here, "jsonl-buckets-wasm.ts");

function have(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

test("the committed bucket template is build.sh's output of jsonl-buckets.c, byte for byte", (t) => {
  const missing = ["clang", "wasm-ld"].filter((c) => !have(c));
  if (missing.length > 0) {
    const why = `${missing.join(", ")} missing: apt-get install --no-install-recommends clang lld (scripts/setup.sh)`;
    if (process.env.CI) throw new Error(why);
    t.skip(why);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "ibsr-wasm-"));
  try {
    const out = join(dir, "rebuilt.ts");
    const r = spawnSync("bash", [script, out], { encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 0, `build.sh failed:\n${r.stdout}${r.stderr}`);
    const rebuilt = readFileSync(out, "utf8");
    assert.ok(rebuilt.includes("JSONL_BUCKETS_WASM"), "build.sh wrote no module");
    assert.equal(
      rebuilt,
      readFileSync(committed, "utf8"),
      "rerun packages/report/wasm/build.sh and commit its output",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
