// if_nametoindex through /sys (no extra FFI): the ifindex of an interface in the current netns.
import { readFileSync } from "node:fs";

export function ifnameToIndex(name: string): number {
  if (!/^[\w.-]{1,15}$/.test(name)) throw new Error(`bad interface name ${name}`);
  return Number(readFileSync(`/sys/class/net/${name}/ifindex`, "utf8").trim());
}
