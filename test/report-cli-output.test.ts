// ibsr-report's -o rule through the real CLI: it only ever replaces a report directory it wrote itself,
// never one that holds or lies inside an input; a poller of report.html never sees it missing.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { steady, writeParquetRun } from "@ibsr/report/testing";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "../packages/report/src/cli.ts");
const root = mkdtempSync(join(tmpdir(), "ibsr-report-out-"));
after(() => rmSync(root, { recursive: true, force: true }));
const BASE = 1_700_000_000;

const nodeArgs = (args: string[]) => ["--import", import.meta.resolve("tsx"), cli, ...args];
function run(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, nodeArgs(args), { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Every path under `dir` with its kind and content (files) or target (symlinks), sorted. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string, rel: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out.push(`${rel} -> ${readlinkSync(p)}`);
    else if (st.isDirectory()) {
      out.push(`${rel}/`);
      for (const n of readdirSync(p).sort()) walk(join(p, n), `${rel}/${n}`);
    } else out.push(`${rel} = ${readFileSync(p).toString("base64")}`);
  };
  walk(dir, "");
  return out;
}

// root/work/snaps is the input; root/work also holds the operator's notes; root/foreign is someone's folder.
const work = join(root, "work");
const data = join(work, "snaps");
writeParquetRun(data, {
  baseTs: BASE,
  intervalSec: 60,
  snapshots: steady(BASE, 60, 6, (i) => [
    { src: "198.18.0.1", port: 80, syn: 5, handshake_ack: 5, packets: 50, bytes: 5000 },
    ...(i >= 2 ? [{ src: "198.18.5.5", port: 80, syn: 12_000, packets: 12_000, bytes: 720_000 }] : []),
  ]),
});
writeFileSync(join(work, "notes.txt"), "keep me\n");
const foreign = join(root, "foreign");
mkdirSync(foreign);
writeFileSync(join(foreign, "summary.json"), "mine, not a report\n");
const aFile = join(root, "file.txt");
writeFileSync(aFile, "a file\n");
symlinkSync(data, join(root, "link-to-snaps"));

describe("-o never replaces what the reporter did not write", () => {
  const refused: [string, string, string, RegExp][] = [
    // label, -o, cwd, reason in the message
    ["the input itself", data, root, /is an input|input/],
    ["the input's parent", work, root, /contains the input/],
    ["a directory inside the input", join(data, "host=host-a"), root, /inside the input/],
    ["a symlink to the input", join(root, "link-to-snaps"), root, /input/],
    [". (the working directory holding the input)", ".", work, /working directory|input/],
    [". (a foreign working directory)", ".", foreign, /working directory|not a report/],
    ["an empty name", "", foreign, /empty|working directory/],
    ["a regular file", aFile, root, /not a directory|is a file/],
    ["a foreign non-empty directory", foreign, root, /not a report directory|\.ibsr-report/],
  ];
  for (const [label, out, cwd, why] of refused)
    test(`${label}: exit 2, nothing changed`, () => {
      const before = listing(root);
      const r = run([data, "-o", out, "--format", "json", "-q"], cwd);
      assert.equal(r.code, 2, `${label}: ${r.err}`);
      assert.match(r.err, /--out/);
      assert.match(r.err, why);
      assert.deepEqual(listing(root), before, `${label}: the file tree changed`);
    });

  test("the default directory (named after reading) follows the same rule", () => {
    const cwd = join(root, "default-cwd");
    mkdirSync(join(cwd, "ibsr-report-2023-11-14"), { recursive: true });
    writeFileSync(join(cwd, "ibsr-report-2023-11-14", "todo.txt"), "someone's\n");
    const before = listing(root);
    const r = run([data, "--format", "json", "-q"], cwd);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /ibsr-report-2023-11-14.*not a report directory/);
    assert.deepEqual(listing(root), before, "the file tree changed (a staging directory left?)");
    rmSync(join(cwd, "ibsr-report-2023-11-14", "todo.txt"));
    assert.equal(run([data, "--format", "json", "-q"], cwd).code, 0);
    assert.equal(run([data, "--format", "json", "-q"], cwd).code, 0, "its own report is replaced");
    // The history store goes beside the output directory (docs/operate.md, "The history store").
    assert.deepEqual(readdirSync(cwd).sort(), ["ibsr-history", "ibsr-report-2023-11-14"]);
  });

  test("an empty existing directory may be used; a rerun replaces its own report, keeping others' files", () => {
    const out = join(root, "empty-out");
    mkdirSync(out);
    let r = run([data, "-o", out, "--format", "json", "-q"]);
    assert.equal(r.code, 0, r.err);
    const marker = JSON.parse(readFileSync(join(out, ".ibsr-report"), "utf8"));
    assert.equal(marker.tool, "ibsr-report");
    assert.deepEqual(readdirSync(out).sort(), [
      ".ibsr-report",
      "rules.json",
      "rules.nft",
      "rules.txt",
      "summary.json",
    ]);
    writeFileSync(join(out, "my-notes.txt"), "operator's\n");
    r = run([data, "-o", out, "--format", "csv", "-q"]);
    assert.equal(r.code, 0, r.err);
    // The previous report's files the new one does not write are gone; the operator's file is not.
    assert.deepEqual(readdirSync(out).sort(), [
      ".ibsr-report",
      "evidence.csv",
      "evidence.parquet",
      "my-notes.txt",
    ]);
    assert.deepEqual(
      readdirSync(root).filter((n) => n.includes(".tmp-")),
      [],
      "no staging directory left",
    );
  });

  test("a poller of report.html never sees it missing or partial while 6 reports replace it", async () => {
    const out = join(root, "polled");
    const runAsync = () =>
      new Promise<number | null>((res) => {
        const c = spawn(process.execPath, nodeArgs([data, "-o", out, "--format", "html,json", "-q"]), {
          cwd: root,
          stdio: "ignore",
        });
        c.on("exit", (code) => res(code));
      });
    assert.equal(await runAsync(), 0);
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const poller = new Worker(
      `const { workerData, parentPort } = require("node:worker_threads");
       const { readFileSync } = require("node:fs");
       let reads = 0, missing = 0, partial = 0;
       while (Atomics.load(workerData.stop, 0) === 0) {
         try {
           const t = readFileSync(workerData.path, "utf8");
           reads++;
           if (!t.trimEnd().endsWith("</html>")) partial++;
         } catch (e) { if (e.code === "ENOENT") missing++; else throw e; }
       }
       parentPort.postMessage({ reads, missing, partial });`,
      { eval: true, workerData: { stop, path: join(out, "report.html") } },
    );
    const seen = new Promise<{ reads: number; missing: number; partial: number }>((res) =>
      poller.once("message", res),
    );
    for (let i = 0; i < 6; i++) assert.equal(await runAsync(), 0);
    Atomics.store(stop, 0, 1);
    const r = await seen;
    await poller.terminate();
    assert.ok(r.reads > 0);
    assert.equal(r.missing, 0, `report.html was missing in ${r.missing} of ${r.reads + r.missing} reads`);
    assert.equal(r.partial, 0);
  });

  test("an output directory that cannot be created fails within seconds, never loops", () => {
    for (const out of ["/proc/ibsr-x", "/proc/ibsr-x/y/z"]) {
      const t0 = Date.now();
      const r = spawnSync(process.execPath, nodeArgs([data, "-o", out, "-q"]), {
        cwd: root,
        encoding: "utf8",
        timeout: 30_000,
      });
      assert.equal(r.signal, null, `${out}: killed after ${Date.now() - t0} ms (it looped)`);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /cannot create (the )?output directory .*\/proc\/ibsr-x/);
      assert.ok(!existsSync(out));
    }
  });
});
