// The reading rule for compacted files (`ibsr-report compact`, docs/report.md "Compacted files"): a compacted
// file's members are its snapshots; a snapshot file beside it (same folder) whose name it lists as a member's
// source is covered and not read, so a tree holding both a compacted file and its originals counts each
// snapshot once. A snapshot file it does not list (arrived after compaction) is read as usual.
import { dirname, join } from "node:path";
import type { SnapshotInfo } from "./intervals.js";

/** Paths of the snapshot files the compacted members among `snaps` cover. */
export function coveredPaths(snaps: readonly SnapshotInfo[]): Set<string> {
  const out = new Set<string>();
  for (const s of snaps) if (s.member !== undefined) out.add(join(dirname(s.file), s.member));
  return out;
}
