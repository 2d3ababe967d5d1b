// scripts/pack-npm.sh end to end, as someone without the repository installs IBSR: the tarballs go into a
// fresh global prefix with `npm i -g --prefix`, external dependencies from the registry (its cache first),
// @ibsr/contract only from inside the tarballs. Then the installed bins run: `--help`, `ibsr-collect
// verify` on the object inside the package, and a report whose verdict must equal the workspace build's.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { steady, writeParquetRun } from "@ibsr/report/testing";
import { REPO_ROOT } from "../lab/netns.js";
import { run } from "./harness/run.js";

const BASE = 1_700_000_000;

test("pack-npm.sh tarballs install with npm i -g and run", async (t) => {
  const work = mkdtempSync(join(tmpdir(), `ibsr-npm-${process.pid}-`));
  try {
    let started = Date.now();
    const packed = run("bash", [join(REPO_ROOT, "scripts/pack-npm.sh"), join(work, "npm")], {
      timeout: 180_000,
    });
    assert.equal(packed.code, 0, `pack-npm.sh failed:\n${packed.stderr}`);
    t.diagnostic(`pack-npm.sh took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const version = (
      JSON.parse(readFileSync(join(REPO_ROOT, "packages/report/package.json"), "utf8")) as {
        version: string;
      }
    ).version;
    const tgz = (p: string) => join(work, "npm", `ibsr-${p}-${version}.tgz`);
    assert.deepEqual(packed.stdout.trim().split("\n"), ["contract", "collector", "report"].map(tgz));
    for (const p of ["contract", "collector", "report"]) assert.ok(existsSync(tgz(p)), `${tgz(p)} missing`);

    // Only report and collector: the contract must come from inside them, never from the registry.
    const prefix = join(work, "prefix");
    const env = {
      ...process.env,
      PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
      IBSR_BPF_OBJECT: "",
      npm_config_update_notifier: "false",
    };
    started = Date.now();
    const inst = run(
      "npm",
      [
        "i",
        "-g",
        "--prefix",
        prefix,
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        tgz("report"),
        tgz("collector"),
      ],
      { env, cwd: work, timeout: 300_000 },
    );
    assert.equal(inst.code, 0, `npm i -g failed:\n${inst.stdout}${inst.stderr}`);
    t.diagnostic(`npm i -g took ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const lib = join(prefix, "lib/node_modules");
    assert.deepEqual(readdirSync(join(lib, "@ibsr")).sort(), ["collector", "report"]);
    for (const p of ["collector", "report"]) {
      const contract = join(lib, "@ibsr", p, "node_modules/@ibsr/contract/package.json");
      assert.ok(existsSync(contract), `@ibsr/${p} lacks its bundled contract`);
      const pkg = JSON.parse(readFileSync(join(lib, "@ibsr", p, "package.json"), "utf8")) as Record<
        string,
        unknown
      >;
      assert.equal(pkg.license, "Apache-2.0");
      assert.ok(existsSync(join(lib, "@ibsr", p, "LICENSE")), `@ibsr/${p} has no LICENSE file`);
      assert.equal(pkg.private, undefined, `@ibsr/${p} is still private`);
    }
    // No tests, testing helpers, TypeScript sources or source maps of ours in the installed tree.
    const ours = (readdirSync(join(lib, "@ibsr"), { recursive: true }) as string[]).filter(
      (f) => !/node_modules\/(?!@ibsr)/.test(f),
    );
    const stray = ours.filter(
      (f) =>
        /\.test\.|(^|\/)(src|testing)(\/|$)|\.map$|tsbuildinfo/.test(f) ||
        (f.endsWith(".ts") && !f.endsWith(".d.ts")),
    );
    assert.deepEqual(stray, []);
    assert.ok(
      ours.some((f) => f.endsWith("collector/bpf/ibsr.bpf.o")),
      "the collector package holds its object",
    );

    // The public entry points resolve; the testing one is not published.
    const imp = run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `await import("@ibsr/report"); await import("@ibsr/collector/parquet");
         try { await import("@ibsr/report/testing"); console.log("testing exported") } catch (e) { console.log(e.code) }`,
      ],
      { cwd: lib, env },
    );
    assert.equal(imp.code, 0, imp.stderr);
    assert.equal(imp.stdout.trim(), "ERR_PACKAGE_PATH_NOT_EXPORTED");

    // The bins, from an unrelated directory.
    const bin = (b: string) => join(prefix, "bin", b);
    for (const b of ["ibsr-report", "ibsr-collect"]) {
      const h = run(bin(b), ["--help"], { cwd: work, env });
      assert.equal(h.code, 0, `${b} --help: ${h.stderr}`);
      assert.ok(h.stdout.startsWith(`${b} `), `${b} --help: ${h.stdout.slice(0, 200)}`);
    }
    const verify = run(bin("ibsr-collect"), ["verify"], { cwd: work, env });
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.ok(
      verify.stdout.startsWith(`verify: ${join(lib, "@ibsr/collector/bpf/ibsr.bpf.o")}: SAFE`),
      verify.stdout,
    );

    // A report from the installed package equals the workspace build's on the same snapshots.
    const snaps = join(work, "snaps");
    writeParquetRun(snaps, {
      baseTs: BASE,
      intervalSec: 60,
      snapshots: steady(BASE, 60, 10, (i) => [
        ...Array.from({ length: 8 }, (_, j) => ({
          src: `198.18.100.${j + 1}`,
          port: 443,
          syn: 5,
          handshake_ack: 5,
          packets: 100,
          bytes: 10_000,
        })),
        ...(i >= 3 && i <= 6
          ? [{ src: "198.18.5.5", port: 443, syn: 12_000, packets: 12_000, bytes: 720_000 }]
          : []),
      ]),
    });
    const report = (cli: string[], out: string) => {
      const r = run(cli[0]!, [...cli.slice(1), snaps, "-o", out, "-q"], { cwd: work, env, timeout: 120_000 });
      assert.equal(r.code, 0, `${cli.join(" ")}: ${r.stderr}`);
      return JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { verdict: unknown };
    };
    const installed = report([bin("ibsr-report")], join(work, "out-npm"));
    for (const f of ["report.html", "report.md", "summary.json", "rules.json"])
      assert.ok(existsSync(join(work, "out-npm", f)), `the installed reporter wrote no ${f}`);
    const workspace = report(
      [process.execPath, join(REPO_ROOT, "packages/report/dist/cli.js")],
      join(work, "out-ws"),
    );
    assert.ok(installed.verdict, "summary.json has a verdict");
    assert.deepEqual(installed.verdict, workspace.verdict);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
