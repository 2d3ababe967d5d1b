// scripts/deb.sh end to end: builds the .deb, checks it with dpkg-deb, installs it for real with apt-get,
// runs the installed commands, verifies the installed units, then removes and purges it and checks what is
// left is only what docs/install.md says (the operator's /var/lib/ibsr). With root and BPF, the collector
// runs as the unit's ExecStart would on a throwaway veth while the package is removed: the package's prerm
// must stop it, and no XDP program may stay attached. systemd is not PID 1 here, so the command line comes
// from the installed unit and /etc/default/ibsr-collect, and runs as root outside a service manager.
//
// It changes the host (dpkg database, /opt/ibsr, /usr/bin, /lib/systemd/system, /etc/default), so it refuses
// to run where any of that exists already, and always purges what it installed.
import assert from "node:assert/strict";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { delay, NetnsPair, parseLogs, REPO_ROOT, xdpOnServer } from "../lab/netns.js";
import { requireLive } from "./harness/live.js";
import { run } from "./harness/run.js";

// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
const dpkgStatus = () => run("dpkg-query", ["-W", "-f=${Status}", "ibsr"]).stdout.trim();
const HOST_PATHS = [
  "/opt/ibsr",
  "/usr/bin/ibsr-collect",
  "/usr/bin/ibsr-report",
  "/etc/default/ibsr-collect",
  "/lib/systemd/system/ibsr-collect.service",
];
/** Exists, even as a dangling link. */
function lexists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const UNITS = ["ibsr-collect.service", "ibsr-report.service", "ibsr-report.timer"];

/** Every long flag a `--help` text lists in its option sections. */
function flagsOf(help: string): string[] {
  return [...new Set([...help.matchAll(/^\s+(?:-\w, )?(--[a-z][\w-]*)/gm)].map((m) => m[1]!))].sort();
}

test("deb.sh builds a package that installs, runs and removes cleanly", async (t) => {
  if (process.getuid?.() !== 0) {
    if (process.env.CI) throw new Error("the .deb test needs root in CI");
    t.skip("needs root (apt-get install)");
    return;
  }
  // Never touch an ibsr that is not this test's.
  const before = dpkgStatus();
  assert.ok(
    !/installed|config-files/.test(before),
    `a package named ibsr is already on this host (${before}): refusing`,
  );
  const present = HOST_PATHS.filter((p) => existsSync(p));
  assert.deepEqual(
    present,
    [],
    "files of an IBSR installation are on this host: refusing to install over them",
  );
  const varLibExisted = existsSync("/var/lib/ibsr");

  const work = mkdtempSync(join(tmpdir(), `ibsr-deb-${process.pid}-`));
  let installed = false;
  let pair: NetnsPair | undefined;
  try {
    let started = Date.now();
    const built = run("bash", [join(REPO_ROOT, "scripts/deb.sh"), join(work, "out")], { timeout: 600_000 });
    assert.equal(built.code, 0, `deb.sh failed:\n${built.stderr}`);
    t.diagnostic(`deb.sh took ${((Date.now() - started) / 1000).toFixed(1)} s: ${built.stdout.trim()}`);
    const version = (
      JSON.parse(readFileSync(join(REPO_ROOT, "packages/collector/package.json"), "utf8")) as {
        version: string;
      }
    ).version;
    const arch = run("dpkg", ["--print-architecture"]).stdout.trim();
    const deb = join(work, "out", `ibsr_${version}_${arch}.deb`);
    assert.ok(existsSync(deb), `${deb} missing: ${readdirSync(join(work, "out")).join(", ")}`);

    // The control data.
    const info = run("dpkg-deb", ["--info", deb]).stdout;
    assert.match(info, /^ Package: ibsr$/m);
    assert.match(info, new RegExp(`^ Version: ${version.replaceAll(".", "\\.")}$`, "m"));
    assert.match(info, new RegExp(`^ Architecture: ${arch}$`, "m"));
    const depends = /^ Depends: (.*)$/m.exec(info)?.[1] ?? "";
    for (const d of ["libc6", "libelf1", "zlib1g"])
      assert.ok(depends.includes(d), `Depends lacks ${d}: ${depends}`);
    assert.ok(!depends.includes("libbpf"), "the bundle brings its own libbpf");
    assert.match(info, /^ Recommends: systemd$/m);
    for (const s of ["preinst", "postinst", "prerm", "postrm", "conffiles", "md5sums"])
      assert.match(info, new RegExp(`\\s${s}\\s`), `control archive lacks ${s}`);
    assert.equal(run("dpkg-deb", ["-f", deb, "Package"]).stdout.trim(), "ibsr");
    const x = join(work, "x");
    mkdirSync(x);
    assert.equal(run("dpkg-deb", ["-e", deb, join(x, "DEBIAN")]).code, 0);
    assert.equal(readFileSync(join(x, "DEBIAN/conffiles"), "utf8"), "/etc/default/ibsr-collect\n");

    // The files.
    const contents = run("dpkg-deb", ["--contents", deb], { timeout: 120_000 })
      .stdout.split("\n")
      .map((l) => /\.(\/\S*)(?: -> (\S+))?$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => ({ path: m[1]!, link: m[2] }));
    const paths = new Map(contents.map((c) => [c.path.replace(/\/$/, ""), c.link]));
    for (const p of [
      "/opt/ibsr/bin/ibsr-collect",
      "/opt/ibsr/node/bin/node",
      "/opt/ibsr/bpf/ibsr.bpf.o",
      "/opt/ibsr/SHA256SUMS",
      "/etc/default/ibsr-collect",
      ...UNITS.map((u) => `/lib/systemd/system/${u}`),
      "/usr/share/man/man1/ibsr-collect.1.gz",
      "/usr/share/man/man1/ibsr-report.1.gz",
      "/usr/share/doc/ibsr/copyright",
      "/usr/share/doc/ibsr/changelog.Debian.gz",
    ])
      assert.ok(paths.has(p), `the package lacks ${p}`);
    assert.equal(paths.get("/usr/bin/ibsr-collect"), "/opt/ibsr/bin/ibsr-collect");
    assert.equal(paths.get("/usr/bin/ibsr-report"), "/opt/ibsr/bin/ibsr-report");
    const stray = [...paths.keys()].filter(
      (p) =>
        !p.includes("/node_modules/") &&
        (/\.test\.js$|(^|\/)src\//.test(p) || (p.endsWith(".ts") && !p.endsWith(".d.ts"))),
    );
    assert.deepEqual(stray, [], "no tests or TypeScript sources in the package");

    // The man pages: every flag each --help lists (main command and subcommands) is in its page.
    assert.equal(run("dpkg-deb", ["-x", deb, x], { timeout: 120_000 }).code, 0);
    for (const [cmd, subs] of [
      ["ibsr-collect", ["verify", "status"]],
      ["ibsr-report", []],
    ] as const) {
      const page = gunzipSync(readFileSync(join(x, `usr/share/man/man1/${cmd}.1.gz`))).toString("utf8");
      const text = page.replaceAll("\\-", "-");
      assert.match(page, new RegExp(`^\\.TH "${cmd.toUpperCase()}" "1"`, "m"));
      for (const sub of [[], ...subs.map((s) => [s])]) {
        const help = run(join(x, "opt/ibsr/bin", cmd), [...sub, "--help"]);
        assert.equal(help.code, 0, help.stderr);
        const flags = flagsOf(help.stdout);
        assert.ok(
          flags.length >= (sub.length ? 2 : 3),
          `${cmd} ${sub.join(" ")} --help lists flags: ${flags.join(" ")}`,
        );
        const missing = flags.filter((f) => !text.includes(`\\fB${f}`) && !text.includes(`, ${f}`));
        assert.deepEqual(missing, [], `${cmd}.1 lacks flags its ${sub.join(" ")} --help lists`);
      }
      writeFileSync(join(work, `${cmd}.1`), page);
      const groff = run("groff", ["-man", "-Tutf8", "-ww", "-z", join(work, `${cmd}.1`)]);
      assert.equal(groff.stderr, "", `groff warns about ${cmd}.1`);
    }

    // Install for real.
    started = Date.now();
    installed = true;
    const inst = run("apt-get", ["install", "-y", "--no-install-recommends", deb], {
      timeout: 300_000,
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    assert.equal(inst.code, 0, `apt-get install failed:\n${inst.stdout}${inst.stderr}`);
    t.diagnostic(`apt-get install took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.equal(dpkgStatus(), "install ok installed");
    const owned = run("dpkg", ["-L", "ibsr"]).stdout.split("\n").filter(Boolean);

    const env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: work };
    const help = run("/usr/bin/ibsr-report", ["--help"], { cwd: "/", env });
    assert.equal(help.code, 0, help.stderr);
    assert.ok(help.stdout.startsWith("ibsr-report "), help.stdout.slice(0, 200));
    const verify = run("/usr/bin/ibsr-collect", ["verify"], { cwd: "/", env });
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.ok(verify.stdout.startsWith("verify: /opt/ibsr/bpf/ibsr.bpf.o: SAFE"), verify.stdout);
    const sums = run("sha256sum", ["--quiet", "-c", "SHA256SUMS"], { cwd: "/opt/ibsr" });
    assert.equal(sums.code, 0, `the installed bundle differs from the one built:\n${sums.stdout}`);
    const sa = run("systemd-analyze", ["verify", ...UNITS.map((u) => `/lib/systemd/system/${u}`)]);
    assert.equal(
      `${sa.stdout}${sa.stderr}`.trim(),
      "",
      "systemd-analyze verify is silent on the installed units",
    );
    assert.equal(sa.code, 0);
    assert.ok(
      !existsSync("/etc/systemd/system/multi-user.target.wants/ibsr-collect.service"),
      "not enabled on install",
    );

    // The collector runs as the installed unit's ExecStart (with /etc/default's values) on a test veth;
    // then the package is removed, and its prerm must stop it: no XDP program may stay attached.
    const live = requireLive(t);
    let collector: ReturnType<NetnsPair["spawn"]> | undefined;
    const out = join(work, "snapshots");
    if (live) {
      pair = await NetnsPair.create();
      const unit = readFileSync("/lib/systemd/system/ibsr-collect.service", "utf8");
      const exec = (/^ExecStart=[-@:+!]*(.*)$/m.exec(unit)?.[1] ?? "").trim();
      const defaults = Object.fromEntries(
        readFileSync("/etc/default/ibsr-collect", "utf8")
          .split("\n")
          .map((l) => /^([A-Z_]+)=(.*)$/.exec(l.trim()))
          .filter((m) => m !== null)
          .map((m) => [m[1]!, m[2]!.replace(/^"(.*)"$/, "$1")]),
      );
      const argv = exec
        .replace(/\$\{?IBSR_PORTS\}?/, defaults.IBSR_PORTS ?? "")
        .replace(/\$\{?IBSR_ARGS\}?/, defaults.IBSR_ARGS ?? "")
        .split(/\s+/)
        .filter(Boolean)
        .map((a) => (a === "/var/lib/ibsr/snapshots" ? out : a));
      assert.equal(argv[0], "/opt/ibsr/bin/ibsr-collect", exec);
      assert.ok(argv.includes(out), `the unit writes to /var/lib/ibsr/snapshots: ${exec}`);
      mkdirSync(out);
      collector = pair.spawn(pair.server, [...argv, "--iface", pair.serverIf, "--host", "test"], {
        cwd: "/",
        env: { PATH: env.PATH },
      });
      for (
        let i = 0;
        i < 300 && !parseLogs(collector.stderr()).some((l) => l.event === "run.attached");
        i++
      ) {
        assert.equal(collector.child.exitCode, null, `the collector exited: ${collector.stderr()}`);
        await delay(100);
      }
      assert.ok(
        parseLogs(collector.stderr()).some((l) => l.event === "run.attached"),
        collector.stderr(),
      );
      assert.equal((await xdpOnServer(pair)).length, 1, "the collector's program is attached");
      t.diagnostic(`simulated the service (systemd is not PID 1): ${argv.join(" ")} in a netns, as root`);
    }

    // Remove: the binaries, units and links go; the conffile stays until purge.
    const rm = run("apt-get", ["remove", "-y", "ibsr"], { timeout: 300_000 });
    assert.equal(rm.code, 0, `apt-get remove failed:\n${rm.stdout}${rm.stderr}`);
    if (collector && pair) {
      const exit = await Promise.race([collector.exited, delay(5_000).then(() => null)]);
      assert.ok(exit, "the collector still runs after apt-get remove");
      assert.equal(exit.code, 0, `collector exit ${exit.code ?? exit.signal}: ${exit.stderr}`);
      assert.match(rm.stderr + rm.stdout, /ibsr: stopping ibsr-collect \(pid \d+\)/);
      assert.deepEqual(await xdpOnServer(pair), [], "an XDP program stayed attached after removal");
      assert.ok(
        parseLogs(exit.stderr).some((l) => /final|detach/.test(l.event)),
        "the collector stopped as on SIGTERM (final snapshot, detach)",
      );
    }
    assert.equal(dpkgStatus(), "deinstall ok config-files");
    assert.ok(existsSync("/etc/default/ibsr-collect"), "remove keeps the conffile");
    for (const p of [
      "/opt/ibsr",
      "/usr/bin/ibsr-collect",
      "/usr/bin/ibsr-report",
      ...UNITS.map((u) => `/lib/systemd/system/${u}`),
    ])
      assert.ok(!lexists(p), `${p} is left after remove`);

    // Purge: the conffile goes too; the operator's snapshots never do.
    if (!varLibExisted) {
      mkdirSync("/var/lib/ibsr/snapshots", { recursive: true });
      writeFileSync("/var/lib/ibsr/snapshots/keep", "operator data\n");
    }
    const purge = run("apt-get", ["purge", "-y", "ibsr"], { timeout: 300_000 });
    assert.equal(purge.code, 0, `apt-get purge failed:\n${purge.stdout}${purge.stderr}`);
    installed = false;
    assert.equal(dpkgStatus(), "");
    // Shared folders (/usr/bin, /etc/default, ...) stay; nothing the package alone owned does.
    const left = owned.filter((p) => lexists(p) && (!isDir(p) || p.startsWith("/opt/ibsr")));
    assert.deepEqual(left, [], "left after purge");
    if (!varLibExisted)
      assert.ok(existsSync("/var/lib/ibsr/snapshots/keep"), "purge deleted the operator's snapshots");
  } finally {
    if (installed || /installed|config-files/.test(dpkgStatus()))
      run("apt-get", ["purge", "-y", "ibsr"], { timeout: 300_000 });
    await pair?.close();
    if (!varLibExisted) rmSync("/var/lib/ibsr", { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});
