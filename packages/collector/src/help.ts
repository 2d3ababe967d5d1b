// ibsr-collect's help texts, built from the flag tables (flags.ts): what `--help` prints and what the man
// page is generated from. Plain text, at most 100 columns.
import {
  flagSections,
  HELP_FLAG,
  type HelpDoc,
  type HelpExample,
  renderHelp,
  VERSION_FLAG,
} from "@ibsr/contract/cli";
import { ARGS_ENV, RUN_FLAGS, STATUS_FLAGS, VERIFY_FLAGS } from "./flags.js";
import { DEFAULTS } from "./options.js";

export const PROGRAM = "ibsr-collect";
export const COMMANDS = ["run", "verify", "status"] as const;
export type CommandName = (typeof COMMANDS)[number];

const EXAMPLES: HelpExample[] = [
  { command: `${PROGRAM} -p 443`, text: "port 443 on the default-route interface" },
  {
    command: `${PROGRAM} -i eth1 --dst-ports 22,443 -o /srv/ibsr`,
    text: "two ports on eth1, snapshots under /srv/ibsr",
  },
  { command: `${PROGRAM} -p 8899 --map-size 1000000`, text: "a larger map (about 150 MiB of kernel memory)" },
  { command: `${PROGRAM} -p 443 --duration-sec 600`, text: "a 10-minute trial, then exit" },
  {
    command: `IBSR_PORTS=443 IBSR_MAP_SIZE=500000 ${PROGRAM}`,
    text: "the same settings from the environment",
  },
  { command: `${PROGRAM} -p 443 --print-config`, text: "the effective settings and their sources" },
  { command: `${PROGRAM} verify bpf/build/ibsr.bpf.o`, text: "check a BPF object against the safety rules" },
  { command: `${PROGRAM} status --json`, text: "is the collector healthy? (exit 0 / 1 / 2)" },
  { command: `${PROGRAM} status --format prometheus`, text: "the same, as Prometheus metrics" },
];

const EXIT_NOTE =
  "Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 environment (not root, no BPF, interface missing, " +
  "XDP busy), 4 unsafe BPF object. SIGINT/SIGTERM: final snapshot, detach, exit 0; a second signal exits " +
  "at once. SIGHUP: write a snapshot now.";
const ENV_NOTE =
  "Environment: each flag of run marked [env: NAME] can be set by that variable; " +
  `${ARGS_ENV} holds further flags as one string. The command line wins, then the flag's variable, ` +
  `then ${ARGS_ENV}, then the default. Docs: docs/collector.md`;

const usage = [
  `${PROGRAM} [run] [options]`,
  `${PROGRAM} verify [object] [options]`,
  `${PROGRAM} status [out-dir] [options]`,
];

function topHelp(): HelpDoc {
  return {
    usage,
    description: [
      "Shadow-mode XDP collector: counts TCP traffic per source toward monitored ports and writes Parquet " +
        "snapshots. Never drops, modifies or redirects a packet.",
    ],
    sections: [
      {
        title: "Commands",
        entries: [
          {
            term: `${PROGRAM} run`,
            text: "Attach and collect snapshots until stopped (the default command) [default]",
          },
          {
            term: `${PROGRAM} verify [object]`,
            text: "Check a BPF object (or C source) against the safety rules; nothing is loaded",
          },
          {
            term: `${PROGRAM} status [out-dir]`,
            text: "Is the collector healthy? Reads the heartbeats (exit 0 healthy, 1 unhealthy, 2 no data)",
          },
        ],
      },
      ...flagSections(RUN_FLAGS),
      ...flagSections([HELP_FLAG, VERSION_FLAG]),
    ],
    examples: EXAMPLES,
    notes: [EXIT_NOTE, ENV_NOTE],
  };
}

function verifyHelp(): HelpDoc {
  return {
    usage: [`${PROGRAM} verify [object] [options]`],
    description: [
      "Check a BPF object (or C source) against the safety rules (docs/collector.md); nothing is loaded. " +
        "Exit 0 when safe, 4 when unsafe.",
    ],
    sections: [
      {
        title: "Arguments",
        entries: [
          { term: "object", text: "BPF object file [default: $IBSR_BPF_OBJECT or bpf/build/ibsr.bpf.o]" },
        ],
      },
      ...flagSections([...VERIFY_FLAGS, HELP_FLAG]),
    ],
    examples: [
      { command: `${PROGRAM} verify`, text: "the collector's own object" },
      { command: `${PROGRAM} verify --source bpf/ibsr.bpf.c`, text: "the object and its C source" },
    ],
    notes: ["Docs: docs/collector.md"],
  };
}

function statusHelp(): HelpDoc {
  return {
    usage: [`${PROGRAM} status [out-dir] [options]`],
    description: [
      "Is the collector healthy? Reads the heartbeat files under the snapshot directory. Exit 0 healthy, " +
        "1 unhealthy, 2 no data.",
    ],
    sections: [
      {
        title: "Arguments",
        entries: [
          { term: "out-dir", text: `Snapshot directory [default: $IBSR_OUT_DIR or ${DEFAULTS.outDir}]` },
        ],
      },
      ...flagSections([...STATUS_FLAGS, HELP_FLAG]),
    ],
    examples: [
      { command: `${PROGRAM} status`, text: "a line per collector, exit code for scripts" },
      { command: `${PROGRAM} status /srv/ibsr --format prometheus`, text: "metrics for node_exporter" },
    ],
    notes: ["Docs: docs/collector.md, docs/operate.md"],
  };
}

/** The help text of a command (`run` shares the top-level text: it is the default command). */
export function helpText(command: CommandName, width?: number): string {
  const doc = command === "verify" ? verifyHelp() : command === "status" ? statusHelp() : topHelp();
  return renderHelp(doc, width);
}
