// Every invalid flag combination exits non-zero before anything is loaded or attached: the real CLI, run
// as root inside a namespace whose interface could be attached to, leaves the interface without XDP and
// writes nothing. Each error names the flag.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { collectorArgv, parseLogs, REPO_ROOT, withPair, xdpOnServer } from "../../lab/netns.js";
import { requireLive } from "../harness/live.js";

interface Case {
  args: string[];
  code: number;
  /** What the error must mention (the flag, usually). */
  mentions: RegExp;
}

test("invalid flag combinations exit non-zero with nothing loaded, attached or written", async (t) => {
  if (!requireLive(t)) return;
  await withPair("flags", async (pair, dir) => {
    const i = ["-i", pair.serverIf];
    const cases: Case[] = [
      { args: [...i], code: 2, mentions: /dst-port.*at least one/ },
      { args: [...i, "-p", "0"], code: 2, mentions: /dst-port/ },
      { args: [...i, "-p", "65536"], code: 2, mentions: /dst-port/ },
      {
        args: [...i, "-p", "443", "--dst-ports", "22,443"],
        code: 2,
        mentions: /duplicate destination port 443/,
      },
      { args: [...i, "--dst-ports", "22,,80"], code: 2, mentions: /--dst-ports/ },
      { args: [...i, "-p", "443", "--map-size", "0"], code: 2, mentions: /--map-size/ },
      { args: [...i, "-p", "443", "--map-size", "2000001"], code: 2, mentions: /--map-size/ },
      {
        args: [...i, "-p", "443", "--map-size", "1000000", "--max-kernel-mem", "64M"],
        code: 2,
        mentions: /--max-kernel-mem/,
      },
      { args: [...i, "-p", "443", "--ipv6-prefix-len", "129"], code: 2, mentions: /--ipv6-prefix-len/ },
      { args: [...i, "-p", "443", "--xdp-mode", "turbo"], code: 2, mentions: /--xdp-mode/ },
      {
        args: [...i, "-p", "443", "--snapshot-interval-sec", "0"],
        code: 2,
        mentions: /--snapshot-interval-sec/,
      },
      { args: [...i, "-p", "443", "-v", "-q"], code: 2, mentions: /verbose|quiet/ },
      {
        args: [...i, "-p", "443", "--max-age", "10s", "--snapshot-interval-sec", "60"],
        code: 2,
        mentions: /--max-age/,
      },
      { args: [...i, "-p", "443", "--max-files", "0"], code: 2, mentions: /--max-files/ },
      { args: [...i, "-p", "443", "--duration-sec", "-1"], code: 2, mentions: /duration-sec/ },
      { args: [...i, "-p", "443", "--host", "a/b"], code: 2, mentions: /--host/ },
      { args: [...i, "-p", "443", "--object", join(dir, "missing.o")], code: 2, mentions: /--object/ },
      {
        args: [...i, "-p", "443", "--object", "/etc/hostname"],
        code: 3,
        mentions: /not a readable BPF object/,
      },
      { args: [...i, "-p", "443", "--no-such-flag"], code: 2, mentions: /such-flag.*unknown/i },
      { args: ["-i", "nosuchif0", "-p", "443"], code: 3, mentions: /nosuchif0/ },
    ];
    // Three at a time: each is a fresh node process on a two-core machine.
    for (let k = 0; k < cases.length; k += 3) {
      await Promise.all(
        cases.slice(k, k + 3).map(async (c, j) => {
          const out = join(dir, `out-${k + j}`);
          const argv = collectorArgv(["run", "-o", out, "--json-logs", ...c.args]);
          const r = await pair.run(pair.server, argv, { timeoutMs: 60_000, cwd: REPO_ROOT });
          const what = `ibsr-collect ${c.args.join(" ")}`;
          assert.equal(r.code, c.code, `${what}: exit ${r.code}, stderr ${r.stderr}`);
          // A flag the parser itself rejects is reported before --json-logs is known: then the line is text.
          const err =
            parseLogs(r.stderr).find((l) => l.level === "error") ?? /^\S+ error .*$/m.exec(r.stderr)?.[0];
          assert.ok(err, `${what}: an error line (${r.stderr})`);
          assert.match(JSON.stringify(err), c.mentions, what);
          assert.ok(!existsSync(out), `${what}: nothing written`);
        }),
      );
      assert.deepEqual(await xdpOnServer(pair), [], "nothing attached");
    }
  });
});
