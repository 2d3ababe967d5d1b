import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { clangUnavailableReason } from "../safety/clang.js";
import { parseElf } from "../safety/elf.js";
import { VerifyExit, verifyCommand } from "./verify.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const REAL = join(REPO_ROOT, "bpf/build/ibsr.bpf.o");

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe("verifyCommand", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "ibsr-verify-cmd-"));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a missing object is unreadable (3) and says how to build it", async () => {
    const c = capture();
    assert.equal(await verifyCommand({ object: join(dir, "nope.o") }, c.io), VerifyExit.UNREADABLE);
    assert.match(c.err.join("\n"), /nope\.o: UNREADABLE: cannot read BPF object .*ENOENT .*pnpm build/);
  });

  test("a file that is not a BPF ELF is unreadable (3)", async () => {
    const p = join(dir, "text.o");
    writeFileSync(p, "not an object at all, just some words padding it out past sixty-four bytes......");
    const c = capture();
    assert.equal(await verifyCommand({ object: p }, c.io), VerifyExit.UNREADABLE);
    assert.match(c.err.join("\n"), /UNREADABLE: not a readable BPF object: not an ELF file/);
  });

  test("the real object is safe (0); a mutant returning XDP_DROP is unsafe (1), in text and JSON", async (t) => {
    if (!existsSync(REAL)) {
      t.skip("bpf/build/ibsr.bpf.o not built (make -C bpf)");
      return;
    }
    const c = capture();
    assert.equal(await verifyCommand({ object: REAL }, c.io), VerifyExit.SAFE);
    assert.match(
      c.out[0] ?? "",
      /ibsr\.bpf\.o: SAFE \(object layer: program ibsr_xdp in section xdp, \d+ instructions/,
    );
    assert.ok(c.out.some((l) => /map ibsr_flows4: BPF_MAP_TYPE_LRU_HASH, 8-byte key, 72-byte value/.test(l)));
    assert.ok(
      c.out.some((l) => /map ibsr_flows6: BPF_MAP_TYPE_LRU_HASH, 24-byte key, 72-byte value/.test(l)),
    );

    const bytes = new Uint8Array(readFileSync(REAL));
    const elf = parseElf(bytes);
    const xdp = elf.sectionByName("xdp")!;
    const dv = new DataView(bytes.buffer);
    let patched = false;
    for (let at = xdp.offset; at < xdp.offset + xdp.size; at += 8) {
      if (dv.getUint8(at) === 0xb7 && (dv.getUint8(at + 1) & 0xf) === 0 && dv.getInt32(at + 4, true) === 2) {
        dv.setInt32(at + 4, 1, true);
        patched = true;
        break;
      }
    }
    assert.ok(patched);
    const mutant = join(dir, "mutant.o");
    writeFileSync(mutant, bytes);
    const text = capture();
    assert.equal(await verifyCommand({ object: mutant }, text.io), VerifyExit.UNSAFE);
    assert.match(text.out[0] ?? "", /mutant\.o: UNSAFE, 1 finding\(s\)/);
    assert.match(
      text.out[1] ?? "",
      /^ {2}exit-returns-pass: xdp insn \d+ \(exit\): r0 may be 1 \(XDP_DROP\)/,
    );

    const json = capture();
    assert.equal(await verifyCommand({ object: mutant, json: true }, json.io), VerifyExit.UNSAFE);
    const parsed = JSON.parse(json.out.join("\n")) as {
      ok: boolean;
      exitCode: number;
      object: { result: { findings: { rule: string }[] } };
    };
    assert.equal(parsed.ok, false);
    assert.equal(parsed.exitCode, 4);
    assert.deepEqual(
      parsed.object.result.findings.map((f) => f.rule),
      ["exit-returns-pass"],
    );
  });

  test("--source alone checks only the C file; an unparsable file is unreadable (3)", async (t) => {
    const why = clangUnavailableReason();
    if (why) {
      t.skip(why);
      return;
    }
    const good = capture();
    assert.equal(
      await verifyCommand({ source: join(REPO_ROOT, "bpf/ibsr.bpf.c") }, good.io),
      VerifyExit.SAFE,
    );
    assert.equal(good.out.length, 1);
    assert.match(good.out[0] ?? "", /ibsr\.bpf\.c: SAFE \(source layer: 1 program\(s\), 4 map\(s\)/);

    const broken = join(dir, "broken.c");
    writeFileSync(broken, "int f( {\n");
    const bad = capture();
    assert.equal(await verifyCommand({ source: broken }, bad.io), VerifyExit.UNREADABLE);
    assert.match(bad.err.join("\n"), /broken\.c: UNREADABLE: clang could not parse .*broken\.c/);
  });
  test("--source on a file that is not C (garbage.o, the compiled object) is unreadable (3), never a JSON error", async (t) => {
    const why = clangUnavailableReason();
    if (why) {
      t.skip(why);
      return;
    }
    const garbage = join(dir, "garbage.o");
    writeFileSync(garbage, Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 151 + 7) % 256)));
    const text = join(dir, "words.o");
    writeFileSync(text, "hello world\n");
    for (const p of [garbage, text, ...(existsSync(REAL) ? [REAL] : [])]) {
      const c = capture();
      assert.equal(await verifyCommand({ source: p }, c.io), VerifyExit.UNREADABLE, p);
      const err = c.err.join("\n");
      assert.match(err, /UNREADABLE: clang could not parse .*: error: /s, err);
      assert.doesNotMatch(err, /JSON/);
      assert.match(err, /--source takes the program's C file/);
      assert.ok(err.length < 2000, `a short message, not the file quoted: ${err.length} chars`);
    }
  });
});
