// bpf_link attachment, in a private network namespace: native and generic attach show up on the
// veth with the program's name, a second attach is refused with a hint, and the attachment vanishes
// when the process holding the link is killed with SIGKILL (the fail-open promise: no netlink
// attachment can outlive the collector).
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { requireLive } from "../harness/live.js";

const CHILD = fileURLToPath(new URL("./bpf-attach-child.ts", import.meta.url));
const ns = `ibsrk${process.pid}`;
const ifA = `ibk${process.pid}a`;
const ifB = `ibk${process.pid}b`;

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

interface LinkJson {
  ifname: string;
  xdp?: {
    mode: number;
    prog?: { id: number; name: string };
    attached?: Array<{ mode: number; prog: { id: number } }>;
  };
}

function xdpOf(): LinkJson["xdp"] {
  const links = JSON.parse(ip("-n", ns, "-d", "-j", "link", "show", "dev", ifA)) as LinkJson[];
  return links[0]?.xdp;
}

async function readLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  let buf = "";
  let err = "";
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  return await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`child gave no answer in ${timeoutMs} ms: ${err}`)),
      timeoutMs,
    );
    child.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited ${code}: ${err}`));
    });
  });
}

test("bpf_link XDP attach (native, generic, auto) dies with the process", async (t) => {
  if (!requireLive(t)) return;
  try {
    ip("netns", "add", ns);
    ip("-n", ns, "link", "add", ifA, "type", "veth", "peer", "name", ifB);
    ip("-n", ns, "link", "set", ifA, "up");
    ip("-n", ns, "link", "set", ifB, "up");
    for (const mode of ["native", "generic", "auto"] as const) {
      const child = spawn(
        "ip",
        ["netns", "exec", ns, process.execPath, "--import", "tsx", CHILD, ifA, mode],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      try {
        const report = JSON.parse(await readLine(child, 20_000)) as {
          query: { attachMode: string; progId: number };
          ids: number[];
          name: string;
          second: string;
        };
        // veth has a native XDP driver, so auto (the collector tries native first) attaches natively.
        assert.equal(report.query.attachMode, mode === "auto" ? "native" : mode, `${mode}: xdpQuery mode`);
        assert.equal(report.name, "ibsr_xdp");
        assert.deepEqual(report.ids, [report.query.progId]);
        assert.match(report.second, /^(EBUSY|EEXIST)\|another XDP program/, `${mode}: second attach refused`);
        const seen = xdpOf();
        assert.equal(
          seen?.prog?.id ?? seen?.attached?.[0]?.prog.id,
          report.query.progId,
          `${mode}: ip link shows it`,
        );
      } finally {
        child.kill("SIGKILL");
        if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
      }
      // The kernel releases the link when the last fd closes; give it a moment.
      let gone = false;
      for (let i = 0; i < 40 && !gone; i++) {
        gone = xdpOf() === undefined;
        if (!gone) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(gone, `${mode}: XDP program still attached after SIGKILL: ${JSON.stringify(xdpOf())}`);
    }
  } finally {
    try {
      ip("netns", "del", ns);
    } catch {}
  }
});
