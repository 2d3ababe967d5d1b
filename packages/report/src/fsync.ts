// Durability for the files the reporter writes into a user's tree (compaction, import-jsonl): a file's data, or
// a directory's entries after a rename or link, reach the disk before the step that relies on them.
import { closeSync, fsyncSync, openSync } from "node:fs";

/** fsync(2) of a file or directory by path. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
