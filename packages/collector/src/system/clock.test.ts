import assert from "node:assert/strict";
import { test } from "node:test";
import { monotonicMs, wallUs } from "./clock.js";

test("monotonicMs measures intervals as performance.now() does", async () => {
  const a = monotonicMs();
  const p = performance.now();
  await new Promise((r) => setTimeout(r, 50));
  const da = monotonicMs() - a;
  const dp = performance.now() - p;
  assert.ok(da >= 49 && da < 1000, `${da} ms`);
  assert.ok(Math.abs(da - dp) < 5, `monotonicMs ${da} ms against performance.now ${dp} ms`);
});

test("wallUs is wall time in microseconds, never going back", () => {
  const w = wallUs();
  const now = BigInt(Date.now()) * 1000n;
  assert.ok(w - now < 5000n && now - w < 5000n, `wallUs ${w} against Date.now ${now}`);
  let last = w;
  for (let i = 0; i < 10_000; i++) {
    const t = wallUs();
    assert.ok(t >= last);
    last = t;
  }
});

test("neither clock loads perf_hooks", async () => {
  const { execFileSync } = await import("node:child_process");
  const out = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `import { monotonicMs, wallUs } from ${JSON.stringify(new URL("./clock.ts", import.meta.url).pathname)};
       monotonicMs(); wallUs();
       process.stdout.write(String(process.moduleLoadList.includes("NativeModule perf_hooks")));`,
    ],
    { encoding: "utf8" },
  );
  assert.equal(out, "false");
});
