// scripts/bundle.sh end to end: builds the production bundle into a temp dir, unpacks it as an operator
// would, and checks what is inside (files, checksums, the verified object's SHA-256, no tests or
// sources), that the bundled wrappers run (`--help`, `verify`, the reporter), that the bundled unit
// passes `systemd-analyze verify` against the real unpacked executables, and that the wrapper refuses a
// tampered or unhashed object. With root and BPF, the bundled collector also runs on a test veth.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { NetnsPair, REPO_ROOT, xdpOnServer } from "../lab/netns.js";
import { NODE_FLAGS } from "../packages/collector/src/node-flags.js";
import { requireLive } from "./harness/live.js";
import { run } from "./harness/run.js";

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

test("bundle.sh builds a self-contained bundle that checks its BPF object", async (t) => {
  const work = mkdtempSync(join(tmpdir(), `ibsr-bundle-${process.pid}-`));
  try {
    const started = Date.now();
    const built = run("bash", [join(REPO_ROOT, "scripts", "bundle.sh"), join(work, "out")], {
      timeout: 180_000,
    });
    assert.equal(built.code, 0, `bundle.sh failed:\n${built.stderr}`);
    t.diagnostic(`bundle.sh took ${((Date.now() - started) / 1000).toFixed(1)} s: ${built.stdout.trim()}`);

    const tarballs = readdirSync(join(work, "out")).filter((f) => f.endsWith(".tar.gz"));
    assert.equal(tarballs.length, 1, `one tarball: ${tarballs.join(", ")}`);
    const tarball = join(work, "out", tarballs[0] ?? "");
    const name = (tarballs[0] ?? "").replace(/\.tar\.gz$/, "");
    assert.match(name, /^ibsr-\d+\.\d+\.\d+-linux-[a-z0-9_]+$/);
    assert.match(
      built.stdout,
      new RegExp(`${name}\\.tar\\.gz \\(\\S+, unpacked \\S+\\)`),
      "prints path and size",
    );
    const recorded = readFileSync(`${tarball}.sha256`, "utf8").split(/\s+/)[0];
    assert.equal(recorded, sha256(tarball), "tarball .sha256 matches");

    const unpack = join(work, "opt");
    run("mkdir", ["-p", unpack]);
    assert.equal(run("tar", ["-C", unpack, "-xzf", tarball]).code, 0);
    const root = join(unpack, name);
    for (const f of [
      "bin/ibsr-collect",
      "bin/ibsr-report",
      "bin/ibsr-daily-report",
      "node/bin/node",
      "lib/libbpf.so.1",
      "collector/dist/cli.js",
      "report/dist/cli.js",
      "bpf/ibsr.bpf.o",
      "bpf/ibsr.bpf.o.sha256",
      "deploy/ibsr-collect.service",
      "deploy/ibsr-collect.default",
      "deploy/ibsr-report.service",
      "deploy/ibsr-report.timer",
      "deploy/ibsr-report.cron",
      "MANIFEST",
      "SHA256SUMS",
    ])
      assert.ok(existsSync(join(root, f)), `bundle lacks ${f}`);

    // The object is the one the build produced and verified; every file matches SHA256SUMS.
    const objHash = sha256(join(root, "bpf/ibsr.bpf.o"));
    assert.equal(objHash, sha256(join(REPO_ROOT, "bpf/build/ibsr.bpf.o")));
    assert.equal(readFileSync(join(root, "bpf/ibsr.bpf.o.sha256"), "utf8").split(/\s+/)[0], objHash);
    assert.match(readFileSync(join(root, "MANIFEST"), "utf8"), new RegExp(`^object-sha256 ${objHash}$`, "m"));
    const sums = run("sha256sum", ["--quiet", "-c", "SHA256SUMS"], { cwd: root });
    assert.equal(sums.code, 0, sums.stdout + sums.stderr);
    const all = readdirSync(root, { recursive: true }) as string[];
    const stray = all.filter((f) => /\.test\.js$|\.ts$|(^|\/)src\//.test(f) && !f.includes("node_modules"));
    assert.deepEqual(stray, [], "no tests or TypeScript sources in the bundle");
    // The service runs as a dynamic user: every file readable by others, nothing writable by them.
    const find = run("find", [
      root,
      "(",
      "!",
      "-perm",
      "-o+r",
      "-o",
      "-perm",
      "/o+w",
      ")",
      "!",
      "-type",
      "l",
    ]);
    assert.equal(find.stdout.trim(), "", "files not world-readable, or world-writable");

    // The bundle ships the primary runtime (scripts/node-versions.sh), whatever node built it.
    const primary = /^NODE_PRIMARY=(\S+)$/m.exec(
      readFileSync(join(REPO_ROOT, "scripts/node-versions.sh"), "utf8"),
    )?.[1];
    assert.ok(primary, "NODE_PRIMARY in scripts/node-versions.sh");
    assert.equal(run(join(root, "node/bin/node"), ["--version"]).stdout.trim(), `v${primary}`);
    assert.match(
      readFileSync(join(root, "MANIFEST"), "utf8"),
      new RegExp(`^node v${primary.replaceAll(".", "\\.")}$`, "m"),
    );

    // The wrappers run, with the bundled node, from any working directory.
    const env = { PATH: "/usr/bin:/bin", HOME: work };
    const help = run(join(root, "bin/ibsr-collect"), ["--help"], { cwd: "/", env });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^ibsr-collect \[run\]/);
    const verify = run(join(root, "bin/ibsr-collect"), ["verify"], { cwd: "/", env });
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.ok(verify.stdout.includes(`${root}/bpf/ibsr.bpf.o: SAFE`), verify.stdout);
    const rep = run(join(root, "bin/ibsr-report"), ["--help"], { cwd: "/", env });
    assert.equal(rep.code, 0, rep.stderr);

    // The bundled units verify against the real unpacked executables.
    const units = join(work, "units");
    run("mkdir", ["-p", units]);
    const unitFiles = ["ibsr-collect.service", "ibsr-report.service", "ibsr-report.timer"].map((u) => {
      const text = readFileSync(join(root, "deploy", u), "utf8").replaceAll("/opt/ibsr/", `${root}/`);
      writeFileSync(join(units, u), text);
      return join(units, u);
    });
    const sa = run("systemd-analyze", ["verify", ...unitFiles]);
    assert.equal(`${sa.stdout}${sa.stderr}`.trim(), "", "systemd-analyze verify is silent");
    assert.equal(sa.code, 0);

    // Tampering: a flipped byte (same size), an appended byte, a missing hash file: each refused, exit 4.
    const obj = join(root, "bpf/ibsr.bpf.o");
    const pristine = join(work, "pristine.o");
    copyFileSync(obj, pristine);
    const refuse = (what: string) => {
      const r = run(join(root, "bin/ibsr-collect"), ["--help"], { env });
      assert.equal(r.code, 4, `${what}: exit ${r.code}`);
      assert.match(r.stderr, /does not match the SHA-256 recorded when the bundle was built/, what);
      assert.equal(r.stdout, "", `${what}: the collector must not have started`);
    };
    const bytes = readFileSync(obj);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    writeFileSync(obj, bytes);
    chmodSync(obj, 0o644);
    refuse("flipped byte");
    copyFileSync(pristine, obj);
    appendFileSync(obj, "\0");
    refuse("appended byte");
    copyFileSync(pristine, obj);
    renameSync(`${obj}.sha256`, `${obj}.sha256.away`);
    refuse("missing hash file");
    renameSync(`${obj}.sha256.away`, `${obj}.sha256`);
    assert.equal(
      run(join(root, "bin/ibsr-collect"), ["--help"], { env }).code,
      0,
      "restored object runs again",
    );

    await t.test(
      "the bundled collector runs as the unit runs it: nobody, the unit's capabilities (live)",
      async (tt) => {
        if (!requireLive(tt)) return;
        // As under systemd: an unprivileged user with exactly the capabilities the bundled unit grants, and
        // a bare environment (the wrapper must find the bundled node and libbpf by itself).
        const unit = readFileSync(join(root, "deploy/ibsr-collect.service"), "utf8");
        const caps = (/^AmbientCapabilities=(.*)$/m.exec(unit)?.[1] ?? "").trim().split(/\s+/);
        assert.ok(caps.includes("CAP_BPF"), `bundled unit grants ${caps.join(" ")}`);
        const list = caps.map((c) => `+${c.replace(/^CAP_/, "").toLowerCase()}`).join(",");
        chmodSync(work, 0o755); // mkdtemp made it 0700; nobody must reach the unpacked bundle
        const out = join(work, "snapshots");
        run("mkdir", ["-p", out]);
        chownSync(out, 65534, 65534);
        const pair = await NetnsPair.create();
        try {
          const argv = [
            "/usr/bin/setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            `--inh-caps=-all,${list}`,
            `--ambient-caps=-all,${list}`,
            `--bounding-set=-all,${list}`,
            "/usr/bin/env",
            "-i",
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            join(root, "bin/ibsr-collect"),
            ...["run", "-i", pair.serverIf, "-p", "443", "-o", out, "--host", "test", "--duration-sec", "0"],
          ];
          const r = await pair.run(pair.server, argv, { cwd: "/" });
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stderr, /run\.attached/);
          // The wrapper passes the collector's Node flags.
          const start = r.stderr.split("\n").find((l) => l.includes("run.start")) ?? "";
          for (const f of NODE_FLAGS) assert.ok(start.includes(f), `run.start lacks ${f}: ${start}`);
          const files = (readdirSync(out, { recursive: true }) as string[]).filter((f) =>
            f.endsWith(".parquet"),
          );
          assert.equal(files.length, 2, "seq-0 and final snapshots");
          assert.deepEqual(await xdpOnServer(pair), []);
          // The daily report from the bundle, on those snapshots, for the day they were written.
          const day = /date=(\d{4}-\d{2}-\d{2})/.exec(files[0] ?? "")?.[1] ?? "";
          const reports = join(work, "reports");
          const rep = run(join(root, "bin/ibsr-daily-report"), [day], {
            env: { PATH: "/usr/bin:/bin", IBSR_SNAPSHOTS: out, IBSR_REPORTS: reports, HOME: work },
            timeout: 120_000,
          });
          assert.equal(rep.code, 0, rep.stderr);
          assert.ok(existsSync(join(reports, day, "report.html")), `no ${day}/report.html`);
        } finally {
          await pair.close();
        }
      },
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
