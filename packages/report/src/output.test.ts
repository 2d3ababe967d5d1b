import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { Worker } from "node:worker_threads";
import { checkOutputTarget, inputRealDirs, REPORT_MARKER, stageOutput } from "./output.js";

/** Every test's own temporary root, removed when the file's tests end. */
const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});
const tempRoot = () => {
  const r = mkdtempSync(join(tmpdir(), "ibsr-output-"));
  roots.push(r);
  return r;
};

const isUsage = (re: RegExp) => (e: unknown) =>
  (e as { exitCode: number }).exitCode === 2 && re.test(String(e));

test("files appear only on commit, with the marker; abort leaves nothing", () => {
  const root = tempRoot();
  const target = join(root, "report");
  const s = stageOutput(target);
  s.write("summary.json", "{}\n");
  assert.ok(!existsSync(target));
  s.commit();
  assert.deepEqual(readdirSync(target).sort(), [REPORT_MARKER, "summary.json"]);
  assert.equal(readFileSync(join(target, "summary.json"), "utf8"), "{}\n");
  const marker = JSON.parse(readFileSync(join(target, REPORT_MARKER), "utf8"));
  assert.equal(marker.tool, "ibsr-report");
  assert.deepEqual(marker.files, ["summary.json"]);
  assert.equal(typeof marker.report_version, "number");
  assert.ok(!Number.isNaN(Date.parse(marker.written_at)));
  const t = stageOutput(join(root, "other"));
  t.write("a", "b");
  t.abort();
  assert.deepEqual(readdirSync(root).sort(), ["report"]);
});

test("a write failure names the path and maps to exit 1", () => {
  const root = tempRoot();
  const s = stageOutput(join(root, "r"));
  assert.throws(
    () => s.write("no/such/dir/file", "x"),
    (e: unknown) =>
      (e as { exitCode: number }).exitCode === 1 &&
      /cannot write .*no\/such\/dir\/file: ENOENT/.test(String(e)),
  );
  s.abort();
});

test("checkOutputTarget refuses /, the working directory, files, foreign directories and input overlaps", () => {
  const root = tempRoot();
  const input = join(root, "in", "snaps");
  mkdirSync(join(input, "sub"), { recursive: true });
  const elsewhere = join(root, "elsewhere");
  mkdirSync(elsewhere);
  symlinkSync(elsewhere, join(input, "linked")); // the reader follows this link
  const protect = inputRealDirs([input]);
  const cwd = join(root, "cwd");
  mkdirSync(cwd);
  writeFileSync(join(root, "f"), "x");
  const foreign = join(root, "foreign");
  mkdirSync(foreign);
  writeFileSync(join(foreign, REPORT_MARKER), "not json");
  const cases: [string, RegExp][] = [
    ["/", /contains the input/],
    [input, /is the input/],
    [join(root, "in"), /contains the input/],
    [join(input, "sub", "x"), /inside the input/],
    [join(elsewhere, "r"), /inside the input/],
    [cwd, /working directory/],
    [root.slice(0, root.lastIndexOf("/")), /contains the input/],
    [join(root, "f"), /is a file/],
    [foreign, /not a report directory/],
    [" ", /empty/],
  ];
  for (const [out, why] of cases)
    assert.throws(() => checkOutputTarget(out, protect, cwd), isUsage(why), out);
  assert.equal(checkOutputTarget(join(root, "new", "r"), protect, cwd).state, "absent");
  mkdirSync(join(root, "empty"));
  assert.equal(checkOutputTarget(join(root, "empty"), protect, cwd).state, "empty");
});

test("a failed final move says where the new report is; the previous one is left whole", () => {
  const root = tempRoot();
  const target = join(root, "r");
  const a = stageOutput(target);
  a.write("report.html", "old");
  a.commit();
  const b = stageOutput(target);
  b.write("report.html", "new");
  mkdirSync(join(b.staging, "zz"));
  writeFileSync(join(b.staging, "zz", "x"), "x");
  mkdirSync(join(target, "zz"));
  writeFileSync(join(target, "zz", "keep"), "user"); // non-empty directory in the way: rename fails
  assert.throws(
    () => b.commit(),
    (e: unknown) => {
      const m = String(e);
      return (
        (e as { exitCode: number }).exitCode === 1 &&
        m.includes(`already replaced in ${target}`) &&
        m.includes(`zz still in ${b.staging}`)
      );
    },
  );
  b.abort(); // must keep the staged remainder: it is the only copy
  assert.ok(existsSync(join(b.staging, "zz", "x")));
  assert.equal(readFileSync(join(target, "report.html"), "utf8"), "new");
  assert.equal(readFileSync(join(target, "zz", "keep"), "utf8"), "user");
});

test("a reader polling report.html never finds it missing while 150 reports replace it", async () => {
  const root = tempRoot();
  const target = join(root, "r");
  const body = (i: number) => `<html>${String(i).repeat(20_000)}</html>`;
  const first = stageOutput(target);
  first.write("report.html", body(0));
  first.commit();
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const poller = new Worker(
    `const { workerData, parentPort } = require("node:worker_threads");
     const { readFileSync } = require("node:fs");
     let reads = 0, missing = 0, partial = 0;
     while (Atomics.load(workerData.stop, 0) === 0) {
       try {
         const t = readFileSync(workerData.path, "utf8");
         reads++;
         if (!t.endsWith("</html>")) partial++;
       } catch (e) { if (e.code === "ENOENT") missing++; else throw e; }
     }
     parentPort.postMessage({ reads, missing, partial });`,
    { eval: true, workerData: { stop, path: join(target, "report.html") } },
  );
  const seen = new Promise<{ reads: number; missing: number; partial: number }>((res) =>
    poller.once("message", res),
  );
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 1; i <= 150; i++) {
    const s = stageOutput(target);
    s.write("report.html", body(i % 10));
    s.write("summary.json", "{}");
    s.commit();
    await new Promise((r) => setImmediate(r));
  }
  Atomics.store(stop, 0, 1);
  const r = await seen;
  await poller.terminate();
  assert.ok(r.reads > 0);
  assert.equal(r.missing, 0, `missing in ${r.missing} of ${r.reads + r.missing} reads`);
  assert.equal(r.partial, 0);
});
