/*
 * The reference collector's own layout of a JSONL bucket, read in WebAssembly (built by build.sh into
 * ../src/ingest/jsonl-buckets-wasm.ts; loaded by ../src/ingest/jsonl-buckets.ts). It accepts exactly what the
 * bucket reader of jsonl-line.ts accepts for a bucket written in that layout, and stops at the first bucket
 * that differs in any byte, which jsonl-line.ts then reads itself: so it never decides a line differently.
 * The member names and the largest counter come from jsonl-line.ts (set_literal, set_max_counter): one owner.
 * Why WebAssembly: numbers are read eight bytes at a time without a branch per digit, and the member names
 * compared eight bytes at a time; in JavaScript a bucket took about 270 ns, mostly mispredicted digit loops.
 */
typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

/* The literals, in the order of jsonl-line.ts TEMPLATE_LITERALS. */
enum { L_HEAD, L_SRC_IP, L_SRC_CIDR24, L_SRC, L_PORT, L_C0, N_LITERALS = L_C0 + 6 };
#define NC 6

static u32 lit_at[N_LITERALS];
static u32 lit_n[N_LITERALS];
static u64 max_counter;
static u32 stop;
static u64 val;

void set_literal(u32 k, u32 at, u32 n) {
  if (k < N_LITERALS) {
    lit_at[k] = at;
    lit_n[k] = n;
  }
}
void set_max_counter(double m) { max_counter = (u64)m; }
/* Where the last buckets() call stopped: just past the last bucket it read (its start when none). */
u32 stopped_at(void) { return stop; }

static inline u64 ld8(const u8 *p) {
  u64 v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

static inline u32 ld4(const u8 *p) {
  u32 v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

/*
 * p past literal k when the bytes at p are exactly it, else -1. Compared 8 bytes at a time, the last 8 (or 4)
 * overlapping the ones before rather than byte by byte.
 */
static inline long lit(const u8 *b, u32 k, u32 p, u32 end) {
  u32 n = lit_n[k];
  if (p + n > end) return -1;
  const u8 *a = b + p, *w = (const u8 *)(unsigned long)lit_at[k];
  if (n >= 8) {
    for (u32 j = 0; j + 8 < n; j += 8)
      if (ld8(a + j) != ld8(w + j)) return -1;
    if (ld8(a + n - 8) != ld8(w + n - 8)) return -1;
  } else if (n >= 4) {
    if (ld4(a) != ld4(w) || ld4(a + n - 4) != ld4(w + n - 4)) return -1;
  } else {
    for (u32 j = 0; j < n; j++)
      if (a[j] != w[j]) return -1;
  }
  return p + n;
}

/*
 * The digits at p, at most 8 (the 8 bytes from p must lie before end): value << 4 | count. A byte is a digit
 * when its high nibble is 3 both as is and plus 6; a carry or borrow only moves towards later bytes, past the
 * first non-digit, so the count is exact. The value: the digits moved to the top, then pairs, fours, eights.
 */
static inline u64 digits8(const u8 *b, u32 p) {
  u64 x = ld8(b + p);
  u64 nd = ((x & 0xF0F0F0F0F0F0F0F0ull) ^ 0x3030303030303030ull) |
           (((x + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) ^ 0x3030303030303030ull);
  u32 n = nd ? (u32)__builtin_ctzll(nd) >> 3 : 8;
  if (n == 0) return 0;
  u64 d = (x - 0x3030303030303030ull) << ((8 - n) * 8);
  d = ((d & 0x0F0F0F0F0F0F0F0Full) * 2561) >> 8;
  d = ((d & 0x00FF00FF00FF00FFull) * 6553601) >> 16;
  d = ((d & 0x0000FFFF0000FFFFull) * 42949672960001ull) >> 32;
  return d << 4 | n;
}

static inline int not_after_number(u32 c) { return c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+'; }

/* jsonl-line.ts tplUint byte by byte: digits only, no leading zero, at most 16 digits and max_counter. */
static long uint_slow(const u8 *b, u32 p, u32 end) {
  u32 s = p;
  u64 v = 0;
  while (p < end) {
    u32 c = b[p];
    if (c < '0' || c > '9') break;
    if (p - s >= 16) return -1;
    v = v * 10 + (c - '0');
    p++;
  }
  u32 d = p - s;
  if (d == 0 || (d > 1 && b[s] == '0')) return -1;
  if (p < end && not_after_number(b[p])) return -1;
  if (v > max_counter) return -1;
  val = v;
  return p;
}

static const u64 POW10[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

/* A plain integer at p: its end, value in val; -1 when not one. Up to 15 digits in two 8-byte reads. */
__attribute__((always_inline)) static inline long uint_at(const u8 *b, u32 p, u32 end) {
  if (p + 16 > end) return uint_slow(b, p, end);
  u64 r = digits8(b, p);
  u32 n = r & 15;
  if (n == 0 || (n > 1 && b[p] == '0')) return -1;
  u64 v = r >> 4;
  if (n == 8) {
    u64 r2 = digits8(b, p + 8);
    u32 n2 = r2 & 15;
    if (n2 == 8) return uint_slow(b, p, end);
    v = v * POW10[n2] + (r2 >> 4);
    n += n2;
    if (v > max_counter) return -1;
  }
  u32 q = p + n; /* < end: the bytes were read */
  if (not_after_number(b[q])) return -1;
  val = v;
  return q;
}

/* jsonl-line.ts tplIpv4 byte by byte, for an address near the end of the line. */
static long ipv4_slow(const u8 *b, u32 p, u32 end) {
  u32 v = 0;
  for (int octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (p >= end || b[p] != '.') return -1;
      p++;
    }
    u32 s = p, o = 0;
    while (p < end) {
      u32 c = b[p];
      if (c < '0' || c > '9') break;
      if (p - s >= 3) return -1;
      o = o * 10 + (c - '0');
      p++;
    }
    u32 d = p - s;
    if (d == 0 || (d > 1 && b[s] == '0') || o > 255) return -1;
    v = v * 256 + o;
  }
  if (p >= end || b[p] != '"') return -1;
  val = v;
  return p;
}

/* Strict dotted-quad text up to the closing quote: the quote's position, the address in val; or -1. */
static inline long ipv4_at(const u8 *b, u32 p, u32 end) {
  /* An address and its quote take at most 16 bytes, so every 8-byte read below lies before end. */
  if (p + 24 > end) return ipv4_slow(b, p, end);
  u32 v = 0;
  for (int octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (b[p] != '.') return -1;
      p++;
    }
    u64 r = digits8(b, p);
    u32 n = r & 15, o = (u32)(r >> 4);
    if (n == 0 || n > 3 || (n > 1 && b[p] == '0') || o > 255) return -1;
    v = v * 256 + o;
    p += n;
  }
  if (b[p] != '"') return -1;
  val = v;
  return p;
}

/*
 * Buckets in the collector's layout from b[p], each followed by a bare comma but the last: at most cap, into
 * ip, port, cidr (0: src_ip, 1: src_cidr24) and cnt (NC per bucket). Returns how many; stopped_at() is where
 * reading stopped (after the last one's closing brace).
 */
u32 buckets(const u8 *b, u32 p, u32 end, u32 cap, double *ip, int *port, u8 *cidr, double *cnt) {
  u32 n = 0;
  stop = p;
  while (n < cap) {
    long q = lit(b, L_HEAD, p, end);
    if (q < 0) break;
    u32 kind = 0;
    long r = lit(b, L_SRC_IP, q, end);
    if (r < 0) {
      r = lit(b, L_SRC_CIDR24, q, end);
      if (r < 0) break;
      kind = 1;
    }
    q = lit(b, L_SRC, r, end);
    if (q < 0) break;
    q = ipv4_at(b, q, end);
    if (q < 0) break;
    u32 a = (u32)val;
    q = lit(b, L_PORT, q, end);
    if (q < 0) break;
    q = uint_at(b, q, end);
    if (q < 0 || val > 65535) break;
    u32 pt = (u32)val;
    double *c = cnt + n * NC;
    int k = 0;
    for (; k < NC; k++) {
      q = lit(b, L_C0 + k, q, end);
      if (q < 0) break;
      q = uint_at(b, q, end);
      if (q < 0) break;
      c[k] = (double)val;
    }
    if (k < NC || q >= end || b[q] != '}') break;
    ip[n] = a;
    port[n] = (int)pt;
    cidr[n] = kind;
    n++;
    stop = q + 1;
    if (stop >= end || b[stop] != ',') break;
    p = stop + 1;
  }
  return n;
}
