/** The value at `key`, created with `make` on first use. */
export function getOrInit<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

// Loops, not Math.max(...xs) / push(...xs): an argument list of more than roughly 120 000 values overflows
// the stack (RangeError), and a fleet's snapshots, intervals and files outnumber that.

/** The largest f(x) over `xs`; -Infinity when empty. */
export function maxBy<T>(xs: Iterable<T>, f: (x: T) => number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const x of xs) {
    const v = f(x);
    if (v > m) m = v;
  }
  return m;
}

/** The smallest f(x) over `xs`; Infinity when empty. */
export function minBy<T>(xs: Iterable<T>, f: (x: T) => number): number {
  let m = Number.POSITIVE_INFINITY;
  for (const x of xs) {
    const v = f(x);
    if (v < m) m = v;
  }
  return m;
}

/** Appends every item of `from` to `to`. */
export function pushAll<T>(to: T[], from: Iterable<T>): void {
  for (const x of from) to.push(x);
}

/** The items in groups by `key` (first-seen group order, items in their order). */
export function groupBy<T, K>(xs: Iterable<T>, key: (x: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const x of xs) getOrInit(out, key(x), () => []).push(x);
  return out;
}
