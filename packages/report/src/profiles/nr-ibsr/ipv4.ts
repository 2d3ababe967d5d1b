// IPv4 as the reference keeps it: a u32 with the first octet most significant, parsed with the grammar of
// Rust's Ipv4Addr (exactly four decimal octets 0-255, no leading zeros, no whitespace, no IPv6). The grammar
// is pinned here rather than borrowed from @ibsr/contract's codec on purpose: the codec accepts IPv6 and may
// grow, while this profile must reject exactly what the reference rejects.

const OCTET = /^(?:0|[1-9][0-9]{0,2})$/;

/** Strict dotted-quad IPv4 to u32, or undefined when the text is not exactly that. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!OCTET.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** u32 to dotted text (Rust's Ipv4Addr Display). */
export function formatIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/** The network mask of a /len prefix as a u32 (len 0 => 0: a JS shift by 32 would not clear the bits). */
export function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}
