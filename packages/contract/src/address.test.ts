import assert from "node:assert/strict";
import { isIP } from "node:net";
import { describe, test } from "node:test";
import {
  AddressParseError,
  compareAddress,
  formatAddress,
  formatPrefix,
  ipv4FromU32,
  ipv4ToU32,
  maskBytes,
  type Prefix,
  parseAddress,
  parsePrefix,
  prefixContains,
} from "./address.js";
import { mulberry32 as prng } from "./testing/prng.js";

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

function toBigInt(p: Prefix): bigint {
  return BigInt(`0x${hex(p.bytes)}`);
}

// The WHATWG URL serialiser compresses IPv6 the way RFC 5952 does (longest run of >= 2 zero
// groups, first on a tie, lowercase), but never prints dotted IPv4: an independent oracle.
function urlCanonical(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

function randomV6Bytes(rand: () => number): Uint8Array {
  const b = new Uint8Array(16);
  for (let g = 0; g < 8; g++) {
    // Many zero groups, so compression choices (runs, ties, ends) are exercised.
    if (rand() < 0.45) continue;
    const v = rand() < 0.3 ? Math.floor(rand() * 16) : Math.floor(rand() * 65536);
    b[2 * g] = v >> 8;
    b[2 * g + 1] = v & 0xff;
  }
  return b;
}

describe("parseAddress / formatAddress", () => {
  test("IPv4 basics", () => {
    const p = parseAddress("198.18.0.1");
    assert.equal(p.family, 4);
    assert.equal(p.prefixLen, 32);
    assert.equal(hex(p.bytes), "c6120001000000000000000000000000");
    assert.equal(formatAddress(4, p.bytes), "198.18.0.1");
    assert.equal(formatPrefix(parseAddress("0.0.0.0")), "0.0.0.0");
    assert.equal(formatPrefix(parseAddress("255.255.255.255")), "255.255.255.255");
  });

  test("IPv6 canonical text (RFC 5952)", () => {
    const cases: [string, string][] = [
      ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // tie: first run wins
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // one zero group is not compressed
      ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // the longer run wins
      ["::", "::"],
      ["::1", "::1"],
      ["1::", "1::"],
      ["0:0:0:0:0:0:0:1", "::1"],
      ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
      ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
      ["2001:2::", "2001:2::"],
      ["::ffff:198.18.0.1", "::ffff:198.18.0.1"],
      ["::FFFF:c612:1", "::ffff:198.18.0.1"],
      ["64:ff9b::198.18.0.1", "64:ff9b::c612:1"],
      ["fe80::1:2", "fe80::1:2"],
    ];
    for (const [input, canonical] of cases) {
      const p = parseAddress(input);
      assert.equal(p.family, 6, input);
      assert.equal(p.prefixLen, 128, input);
      assert.equal(formatAddress(6, p.bytes), canonical, input);
    }
  });

  test("::ffff:a.b.c.d stays IPv6, never IPv4", () => {
    const mapped = parseAddress("::ffff:198.18.0.1");
    const v4 = parseAddress("198.18.0.1");
    assert.equal(mapped.family, 6);
    assert.equal(hex(mapped.bytes), "00000000000000000000ffffc6120001");
    assert.notEqual(compareAddress(mapped, v4), 0);
    assert.equal(prefixContains(parsePrefix("198.18.0.0/15"), mapped), false);
    assert.equal(prefixContains(parsePrefix("0.0.0.0/0"), mapped), false);
    assert.equal(prefixContains(parsePrefix("::ffff:0:0/96"), mapped), true);
    assert.equal(prefixContains(parsePrefix("::/0"), v4), false);
  });

  test("rejects malformed text with what, where and what was expected", () => {
    const cases: [string, number, RegExp][] = [
      ["", 0, /empty address/],
      ["010.0.0.1", 0, /octet 1 "010" has a leading zero/],
      ["10.00.0.1", 3, /octet 2 "00" has a leading zero/],
      ["256.0.0.1", 0, /octet 1 "256" is above 255/],
      ["1.2.3", 5, /3 dotted parts instead of 4/],
      ["1.2.3.4.5", 7, /5 dotted parts instead of 4/],
      ["1.2..4", 4, /octet 3 is empty/],
      ["1.2.3.x", 6, /octet 4 has "x"/],
      ["1.2.3.4 ", 7, /whitespace/],
      [" 1.2.3.4", 0, /whitespace/],
      ["fe80::1%eth0", 7, /zone identifier/],
      ["1:2:3:4:5:6:7", 13, /7 groups without '::'/],
      ["1:2:3:4:5:6:7:8:9", 17, /9 groups without '::'/],
      ["1::2::3", 4, /a second '::'/],
      [":::", 1, /a second '::'/],
      ["1:2:3:4:5:6:7:8::", 15, /'::' with 8 other groups/],
      ["12345::", 0, /group "12345" has more than 4 hex digits/],
      ["2001:db8::g", 10, /"g" is not a hex digit/],
      [":1:2:3:4:5:6:7", 0, /empty group/],
      ["1:2:3:4:5:6:7:", 14, /empty group/],
      ["1.2.3.4::", 0, /dotted IPv4 part not at the end/],
      ["::1.2.3.4:5", 2, /dotted IPv4 part not at the end/],
      ["::ffff:01.2.3.4", 7, /octet 1 "01" has a leading zero/],
      ["::ffff:1.2.3", 12, /3 dotted parts/],
      ["1:2:3:4:5:6:7:1.2.3.4", 21, /9 groups without '::'/],
    ];
    for (const [input, position, message] of cases) {
      assert.throws(
        () => parseAddress(input),
        (e: unknown) => {
          assert.ok(e instanceof AddressParseError, `${input}: ${String(e)}`);
          assert.match(e.message, message, input);
          assert.equal(e.position, position, `${input}: ${e.message}`);
          assert.ok(e.message.includes(JSON.stringify(input)), e.message);
          assert.match(e.message, /\(expected .+\)$/);
          return true;
        },
        input,
      );
    }
  });

  test("error message shape is pinned", () => {
    assert.throws(() => parseAddress("10.0.0.256"), {
      message:
        'invalid address "10.0.0.256": octet 4 "256" is above 255 at column 8 ' +
        "(expected four decimal octets 0-255 without leading zeros, like 198.18.0.1)",
    });
  });

  test("agrees with node:net on what is a valid address (seeded mutations of valid text)", () => {
    const rand = prng(7);
    const alphabet = "0123456789abcdefABCDEF:.g";
    let valid = 0;
    const total = 20000;
    for (let i = 0; i < total; i++) {
      const base =
        rand() < 0.4
          ? formatAddress(4, ipv4FromU32(Math.floor(rand() * 2 ** 32)).bytes)
          : formatAddress(6, randomV6Bytes(rand));
      let s = base;
      const edits = Math.floor(rand() * 3);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(rand() * (s.length + 1));
        const ch = alphabet[Math.floor(rand() * alphabet.length)]!;
        const op = rand();
        if (op < 0.33) s = s.slice(0, at) + ch + s.slice(at);
        else if (op < 0.66) s = s.slice(0, at) + s.slice(at + 1);
        else s = s.slice(0, at) + ch + s.slice(at + 1);
      }
      let ours: number;
      try {
        ours = parseAddress(s).family;
      } catch (e) {
        assert.ok(e instanceof AddressParseError, String(e));
        ours = 0;
      }
      assert.equal(ours, isIP(s), JSON.stringify(s));
      if (ours !== 0) valid++;
    }
    // Both outcomes must be well represented for the comparison to mean something.
    assert.ok(
      valid > total / 5 && valid < (total * 4) / 5,
      `${valid} of ${total} mutated strings were valid`,
    );
  });

  test("random round trips (seeded): bytes -> text -> bytes, text canonical", () => {
    const rand = prng(20260101);
    for (let i = 0; i < 5000; i++) {
      const v6 = randomV6Bytes(rand);
      const text6 = formatAddress(6, v6);
      assert.equal(hex(parseAddress(text6).bytes), hex(v6), text6);
      if (!text6.startsWith("::ffff:") || text6.includes(":", 7))
        assert.equal(text6, urlCanonical(text6), text6);
      // Any valid spelling of the address (uncompressed, upper case) formats to the same text.
      const long = Array.from({ length: 8 }, (_, g) =>
        ((v6[2 * g]! << 8) | v6[2 * g + 1]!).toString(16).toUpperCase(),
      );
      assert.equal(formatAddress(6, parseAddress(long.join(":")).bytes), text6);

      const n = Math.floor(rand() * 2 ** 32);
      const v4 = ipv4FromU32(n);
      const text4 = formatAddress(4, v4.bytes);
      const back = parseAddress(text4);
      assert.equal(ipv4ToU32(back.bytes), n, text4);
      assert.equal(hex(back.bytes), hex(v4.bytes));
    }
  });
});

describe("parsePrefix", () => {
  test("lengths /0, /32, /64, /128", () => {
    assert.equal(formatPrefix(parsePrefix("0.0.0.0/0")), "0.0.0.0/0");
    assert.equal(formatPrefix(parsePrefix("198.18.0.1/32")), "198.18.0.1");
    assert.equal(formatPrefix(parsePrefix("2001:2::/64")), "2001:2::/64");
    assert.equal(formatPrefix(parsePrefix("2001:2::1/128")), "2001:2::1");
    assert.equal(formatPrefix(parsePrefix("::/0")), "::/0");
    assert.equal(parsePrefix("2001:2::/64").prefixLen, 64);
    assert.equal(parsePrefix("10.1.2.3").prefixLen, 32);
  });

  test("host bits: an error unless allowHostBits, which masks", () => {
    assert.throws(() => parsePrefix("10.0.0.5/24"), {
      name: "AddressParseError",
      message: /host bits are set beyond \/24 at column 1 \(expected the network address 10\.0\.0\.0\/24/,
    });
    assert.throws(() => parsePrefix("2001:2::1/64"), {
      message: /^invalid prefix "2001:2::1\/64": host bits .*expected the network address 2001:2::\/64/,
    });
    assert.throws(() => parsePrefix("1.2.3.4/0"), /host bits/);
    assert.equal(formatPrefix(parsePrefix("10.0.0.5/24", { allowHostBits: true })), "10.0.0.0/24");
    assert.equal(formatPrefix(parsePrefix("2001:2:0:0:ffff::1/64", { allowHostBits: true })), "2001:2::/64");
    assert.equal(formatPrefix(parsePrefix("255.255.255.255/0", { allowHostBits: true })), "0.0.0.0/0");
    assert.equal(formatPrefix(parsePrefix("2001:2::ff/121", { allowHostBits: true })), "2001:2::80/121");
  });

  test("bad prefix lengths", () => {
    const cases: [string, number, RegExp][] = [
      ["10.0.0.0/", 9, /missing prefix length/],
      ["10.0.0.0/33", 9, /prefix length 33 is longer than IPv4 allows/],
      ["::/129", 3, /prefix length 129 is longer than IPv6 allows/],
      ["10.0.0.0/024", 9, /leading zero/],
      ["10.0.0.0/+24", 9, /character "\+"/],
      ["10.0.0.0/24/8", 11, /a second '\/'/],
      ["10.0.0.0/-1", 9, /character "-"/],
      ["/24", 0, /empty address/],
      ["10.0.0.0/2 4", 10, /character " "/],
    ];
    for (const [input, position, message] of cases) {
      assert.throws(
        () => parsePrefix(input),
        (e: unknown) => {
          assert.ok(e instanceof AddressParseError);
          assert.match(e.message, message, input);
          assert.equal(e.position, position, `${input}: ${e.message}`);
          return true;
        },
      );
    }
  });

  test("random prefixes round-trip and contain their own addresses", () => {
    const rand = prng(99);
    for (let i = 0; i < 3000; i++) {
      const family = rand() < 0.5 ? 4 : 6;
      const len = Math.floor(rand() * ((family === 4 ? 32 : 128) + 1));
      const addr =
        family === 4
          ? ipv4FromU32(Math.floor(rand() * 2 ** 32))
          : parseAddress(formatAddress(6, randomV6Bytes(rand)));
      const p = { family, bytes: maskBytes(addr.bytes, family, len), prefixLen: len } as Prefix;
      const text = formatPrefix(p);
      const back = parsePrefix(text);
      assert.equal(compareAddress(back, p), 0, text);
      assert.ok(prefixContains(p, addr), `${text} should contain ${formatPrefix(addr)}`);
      // Flipping the first bit inside the prefix leaves it (unless /0).
      if (len > 0) {
        const flipped = addr.bytes.slice();
        flipped[0]! ^= 0x80;
        assert.equal(prefixContains(p, { ...addr, bytes: flipped }), false, text);
      }
    }
  });
});

describe("CIDR match and masking", () => {
  test("edge lengths", () => {
    const a = parseAddress("198.18.3.4");
    assert.ok(prefixContains(parsePrefix("0.0.0.0/0"), a));
    assert.ok(prefixContains(parsePrefix("198.18.3.4/32"), a));
    assert.ok(!prefixContains(parsePrefix("198.18.3.5/32"), a));
    assert.ok(prefixContains(parsePrefix("198.18.0.0/15"), a));
    assert.ok(prefixContains(parsePrefix("198.18.0.0/15"), parseAddress("198.19.255.255")));
    assert.ok(!prefixContains(parsePrefix("198.18.0.0/15"), parseAddress("198.20.0.0")));
    const v6 = parseAddress("2001:2:0:1:ffff::1");
    assert.ok(prefixContains(parsePrefix("2001:2:0:1::/64"), v6));
    assert.ok(!prefixContains(parsePrefix("2001:2:0:2::/64"), v6));
    assert.ok(prefixContains(parsePrefix("2001:2:0:1:ffff::1/128"), v6));
    assert.ok(!prefixContains(parsePrefix("2001:2:0:1:ffff::2/128"), v6));
    assert.ok(prefixContains(parsePrefix("::/0"), v6));
    // A prefix contains a narrower prefix, never a wider one.
    assert.ok(prefixContains(parsePrefix("2001:2::/48"), parsePrefix("2001:2:0:1::/64")));
    assert.ok(!prefixContains(parsePrefix("2001:2:0:1::/64"), parsePrefix("2001:2::/48")));
  });

  test("maskBytes zeroes exactly the bits beyond the length", () => {
    const ones = new Uint8Array(16).fill(0xff);
    assert.equal(hex(maskBytes(ones, 6, 0)), "00".repeat(16));
    assert.equal(hex(maskBytes(ones, 6, 64)), "ff".repeat(8) + "00".repeat(8));
    assert.equal(hex(maskBytes(ones, 6, 65)), `${"ff".repeat(8)}80${"00".repeat(7)}`);
    assert.equal(hex(maskBytes(ones, 6, 128)), "ff".repeat(16));
    assert.equal(hex(maskBytes(ones, 4, 32)), "ff".repeat(4) + "00".repeat(12));
    assert.equal(hex(maskBytes(ones, 4, 20)), `fffff0${"00".repeat(13)}`);
    assert.throws(() => maskBytes(ones, 4, 33), /outside 0-32/);
    assert.throws(() => maskBytes(ones, 6, -1), /outside 0-128/);
    // The input is never modified.
    assert.equal(hex(ones), "ff".repeat(16));
  });
});

describe("compareAddress", () => {
  test("numeric order, families apart, matches BigInt order (seeded)", () => {
    const rand = prng(5);
    const list: Prefix[] = [];
    for (let i = 0; i < 2000; i++) {
      list.push(
        rand() < 0.5
          ? ipv4FromU32(Math.floor(rand() * 2 ** 32))
          : parseAddress(formatAddress(6, randomV6Bytes(rand))),
      );
    }
    list.sort(compareAddress);
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1]!;
      const b = list[i]!;
      assert.ok(a.family <= b.family);
      if (a.family === b.family)
        assert.ok(toBigInt(a) <= toBigInt(b), `${formatPrefix(a)} <= ${formatPrefix(b)}`);
    }
    // Numeric, not textual: 9.0.0.0 < 10.0.0.0 and 2001:2::9 < 2001:2::10.
    assert.ok(compareAddress(parseAddress("9.0.0.0"), parseAddress("10.0.0.0")) < 0);
    assert.ok(compareAddress(parseAddress("2001:2::9"), parseAddress("2001:2::10")) < 0);
    assert.ok(compareAddress(parseAddress("255.255.255.255"), parseAddress("::")) < 0);
    // Same network, shorter prefix first.
    assert.ok(compareAddress(parsePrefix("10.0.0.0/8"), parsePrefix("10.0.0.0/24")) < 0);
  });

  test("u32 helpers", () => {
    assert.equal(formatPrefix(ipv4FromU32(3232235777)), "192.168.1.1");
    assert.equal(formatPrefix(ipv4FromU32(3232235777, 24)), "192.168.1.0/24");
    assert.equal(ipv4ToU32(parseAddress("255.255.255.255").bytes), 4294967295);
    assert.throws(() => ipv4FromU32(2 ** 32), /not a u32/);
    assert.throws(() => ipv4FromU32(-1), /not a u32/);
  });
});
