// A stand-in for systemd's side of sd_notify(3) in tests: a real AF_UNIX datagram socket (a path, or an
// abstract name with a leading '@') that records every datagram with the time it arrived. Node cannot bind
// one, so a bounded python3 process does (python3 is on every test machine: scripts/setup.sh); it ends by
// itself after `maxSec` and stop() ends it by its PID before that.
import { type ChildProcess, spawn } from "node:child_process";

export interface NotifyMessage {
  /** Arrival, ms since the epoch (comparable with Date.now()). */
  atMs: number;
  /** The datagram as sent ("READY=1\nSTATUS=..."). */
  text: string;
  /** Its assignments, e.g. { READY: "1", STATUS: "..." }. */
  fields: Record<string, string>;
}

export interface NotifyReceiver {
  /** The value for $NOTIFY_SOCKET. */
  readonly socket: string;
  messages(): NotifyMessage[];
  /** Resolves with the first message (in arrival order) holding `key`, or rejects after `timeoutMs`. */
  waitFor(key: string, timeoutMs: number, from?: number): Promise<NotifyMessage>;
  stop(): Promise<void>;
}

const RECEIVER = `
import socket, sys, json, time
name, max_sec = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\\0" + name[1:] if name.startswith("@") else name)
print(json.dumps({"bound": True}), flush=True)
end = time.time() + max_sec
while time.time() < end:
    s.settimeout(max(0.01, end - time.time()))
    try:
        d = s.recv(65536)
    except socket.timeout:
        break
    print(json.dumps({"at": time.time() * 1000, "text": d.decode("utf-8", "replace")}), flush=True)
`;

/** Binds `socket` (a path in a folder the test owns, or "@name") and records datagrams for at most maxSec. */
export async function startNotifyReceiver(socket: string, maxSec = 120): Promise<NotifyReceiver> {
  const child: ChildProcess = spawn("python3", ["-c", RECEIVER, socket, String(maxSec)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const got: NotifyMessage[] = [];
  let stderr = "";
  let buffered = "";
  let bound: (() => void) | null = null;
  const isBound = new Promise<void>((resolve, reject) => {
    bound = resolve;
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`notify receiver exited (${code}): ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    buffered += d;
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      const line = JSON.parse(buffered.slice(0, nl)) as { bound?: boolean; at?: number; text?: string };
      buffered = buffered.slice(nl + 1);
      if (line.bound) bound?.();
      else if (line.text !== undefined)
        got.push({ atMs: line.at ?? Date.now(), text: line.text, fields: parse(line.text) });
    }
  });
  await isBound;
  return {
    socket,
    messages: () => [...got],
    async waitFor(key, timeoutMs, from = 0) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const m = got.slice(from).find((x) => key in x.fields);
        if (m) return m;
        if (Date.now() > end)
          throw new Error(
            `no ${key}= within ${timeoutMs} ms; received: ${JSON.stringify(got.map((x) => x.text))}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(child.pid, "SIGTERM");
        } catch {
          // already gone
        }
      }
      await exited;
    },
  };
}

function parse(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}
