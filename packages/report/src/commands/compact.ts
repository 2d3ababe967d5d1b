// `ibsr-report compact <dir>...`: merges each host=/date= folder's one-minute snapshot files into one
// compacted file per host and day (compact/compact-day.ts), so object-store engines read one file instead of
// 1 440. Originals stay unless --remove-sources; the report reads either layout alike. docs/operate.md.

import { COMPACTED_FILE_NAME, DATE_DIR_PREFIX, HOST_DIR_PREFIX } from "@ibsr/contract";
import { type FlagSpec, flagSections, HELP_FLAG, renderHelp } from "@ibsr/contract/cli";
import { EXIT, ReportError } from "../exit-codes.js";
import { hostFlagText } from "../ingest/host-filter.js";
import { parseCommandFlags } from "../run-flags.js";
import { COMPACT_COMMAND } from "./names.js";

const COMPACT_FLAGS: readonly FlagSpec[] = [
  {
    name: "host",
    kind: "list",
    value: "name,...",
    group: "Selection",
    help: "Only these hosts: names or glob patterns, comma-separated or repeated",
  },
  {
    name: "include-today",
    kind: "boolean",
    group: "Selection",
    help: "Also compact today's (UTC) folders, which a collector is still writing to; later files are added by the next run",
  },
  {
    name: "remove-sources",
    kind: "boolean",
    group: "Originals",
    help: "Delete the snapshot files merged in this run, after the compacted file was written, synced and verified",
  },
  HELP_FLAG,
];

export function compactHelp(width?: number): string {
  return renderHelp(
    {
      usage: [`ibsr-report ${COMPACT_COMMAND} <dir>... [options]`],
      description: [
        `Merges the snapshot files of each ${HOST_DIR_PREFIX}<host>/${DATE_DIR_PREFIX}<day> folder into one ${COMPACTED_FILE_NAME} in that folder: the same rows, and every snapshot's footer facts (global totals, XDP mode, map fill, interval, ports) kept in its footer. The file is written under a hidden temp name, synced, read back and compared with the inputs (rows per snapshot, facts), then renamed in. The originals stay where they are unless --remove-sources: reports read a compacted file and skip the originals it lists, so running compact again, or reporting a tree that holds both, counts every snapshot once. Today's folders are left alone unless --include-today. An unreadable file is named, left in place and not merged; a folder whose files have different schema versions or columns is refused as a whole.`,
      ],
      sections: flagSections(COMPACT_FLAGS),
      examples: [
        {
          command: `ibsr-report ${COMPACT_COMMAND} /var/lib/ibsr/snapshots`,
          text: "compact every finished day, keep the originals",
        },
        {
          command: `ibsr-report ${COMPACT_COMMAND} /var/lib/ibsr/snapshots --remove-sources`,
          text: "and delete the merged originals",
        },
      ],
      notes: [
        "Exit codes: 0 every folder compacted or up to date, 1 a folder refused or a file left out (named on stderr), 2 usage. Docs: docs/operate.md",
      ],
    },
    width,
  );
}

export async function compactMain(argv: string[]): Promise<number> {
  const { raw, positionals } = parseCommandFlags(argv, COMPACT_FLAGS, `ibsr-report ${COMPACT_COMMAND}`);
  if (raw.help === true) {
    process.stdout.write(compactHelp());
    return EXIT.OK;
  }
  if (positionals.length === 0)
    throw new ReportError(
      EXIT.USAGE,
      `${COMPACT_COMMAND}: give at least one snapshot directory (see ibsr-report ${COMPACT_COMMAND} --help)`,
    );
  const { compactTree } = await import("../compact/compact-tree.js");
  const res = await compactTree(positionals, {
    host: hostFlagText(raw.host) ?? null,
    includeToday: raw["include-today"] === true,
    removeSources: raw["remove-sources"] === true,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(
    `${res.compacted} folder(s) compacted, ${res.upToDate} up to date, ${res.today} today's left alone, ${res.refused} refused; ${res.merged} file(s) merged, ${res.removed} removed, ${res.skipped} left out\n`,
  );
  return res.refused + res.skipped > 0 ? EXIT.IO : EXIT.OK;
}
