// One error type for every failed libbpf call: which operation, the errno and its name, libbpf's
// own text, and a hint that says what to do. The hint table is keyed by operation family + errno,
// because the same errno means different things at load and at attach.
import { constants } from "node:os";

const errnoNames = new Map<number, string>();
for (const [name, num] of Object.entries(constants.errno)) {
  if (!errnoNames.has(num)) errnoNames.set(num, name);
}
// Kernel-internal errnos that can leak through bpf(2) and that Node does not list.
errnoNames.set(524, "ENOTSUPP");
// Linux aliases ENOTSUP = EOPNOTSUPP = 95; the kernel and its docs say EOPNOTSUPP.
errnoNames.set(95, "EOPNOTSUPP");

/** errno number -> symbolic name ("EPERM"), or "E<number>" when unknown. */
export function errnoName(errno: number): string {
  return errnoNames.get(Math.abs(errno)) ?? `E${Math.abs(errno)}`;
}

/** Which step failed; drives the hint. */
export type LibbpfOp =
  | "open"
  | "load"
  | "find"
  | "set_max_entries"
  | "set_key_size"
  | "set_rodata"
  | "attach"
  | "map_lookup"
  | "map_update"
  | "map_batch"
  | "test_run"
  | "info"
  | "xdp_query"
  | "get_fd_by_id";

const HINTS: Array<{ ops: LibbpfOp[] | "*"; errnos: string[]; hint: string }> = [
  {
    ops: "*",
    errnos: ["EPERM", "EACCES"],
    hint: "needs root, or CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON (the kernel allows the program's packet-pointer arithmetic only with CAP_PERFMON); on load an EACCES can also be a verifier rejection: see the libbpf log above (run with --verbose)",
  },
  {
    ops: ["attach"],
    errnos: ["EOPNOTSUPP", "ENOTSUP", "ENOTSUPP", "EINVAL"],
    hint: "the driver does not support native XDP (or rejects this mode); try --xdp-mode generic",
  },
  {
    ops: ["attach"],
    errnos: ["EBUSY", "EEXIST"],
    hint: "another XDP program already holds the interface; see `ip link show dev <iface>` and `bpftool net`, and remove it (or choose another interface)",
  },
  {
    ops: ["attach"],
    errnos: ["ENODEV"],
    hint: "no such interface (check the ifindex / --iface name: `ip link`)",
  },
  {
    ops: "*",
    errnos: ["E2BIG", "ENOMEM"],
    hint: "the map is too big for the memory the kernel will charge this process (memcg / RLIMIT_MEMLOCK); lower --map-size",
  },
  {
    ops: ["open"],
    errnos: ["EINVAL", "ENOEXEC", "ENOENT"],
    hint: "the object is not a valid BPF ELF for this libbpf; rebuild it with `pnpm build` (make -C bpf)",
  },
  {
    ops: ["load"],
    errnos: ["EINVAL", "ENOTSUP", "ENOTSUPP", "EOPNOTSUPP"],
    hint: "the kernel rejected the program or a map definition; the verifier log is printed with --verbose",
  },
  {
    ops: ["set_max_entries", "set_key_size", "set_rodata"],
    errnos: ["EBUSY"],
    hint: "this must happen before load(); the object was already loaded",
  },
  {
    ops: ["map_lookup"],
    errnos: ["ENOENT"],
    hint: "no such key in the map",
  },
  {
    ops: ["map_update"],
    errnos: ["EEXIST"],
    hint: "the key is already present (BPF_NOEXIST)",
  },
];

function hintFor(op: LibbpfOp, name: string): string {
  for (const h of HINTS) {
    if ((h.ops === "*" || h.ops.includes(op)) && h.errnos.includes(name)) return h.hint;
  }
  return "";
}

export class LibbpfError extends Error {
  readonly op: LibbpfOp;
  /** positive errno */
  readonly errno: number;
  readonly errnoName: string;
  readonly hint: string;
  /** what was being acted on (map/program name, ifindex, file) */
  readonly subject: string;
  /**
   * What libbpf printed while this call ran (for a failed load: the kernel verifier log), one line per
   * entry, as data: callers read it here, never out of the message.
   */
  readonly log: readonly string[];

  constructor(op: LibbpfOp, errno: number, subject: string, detail?: string, log: readonly string[] = []) {
    const e = Math.abs(errno);
    const name = errnoName(e);
    const hint = hintFor(op, name);
    const reason = detail ? `${name}: ${detail}` : name;
    super(`libbpf ${op} failed for ${subject}: ${reason}${hint ? ` (${hint})` : ""}`);
    this.name = "LibbpfError";
    this.op = op;
    this.errno = e;
    this.errnoName = name;
    this.hint = hint;
    this.subject = subject;
    this.log = log;
  }
}
