// Deterministic JSON text: 2-space indent, final newline, bigint as a number when exact (else a string).
export function jsonText(value: unknown): string {
  return `${JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === "bigint")
        return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(v)
          : v.toString();
      if (typeof v === "number" && !Number.isFinite(v)) return null;
      return v;
    },
    2,
  )}\n`;
}
