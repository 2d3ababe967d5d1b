// A deliberately small XML well-formedness checker for the chart tests: balanced tags, quoted
// attributes, no raw "<" or stray "&" in text or attribute values. Returns element counts and the
// decoded text so tests can assert on structure and on escaping without a DOM dependency.

export interface XmlCheck {
  /** Element name -> number of occurrences. */
  counts: Map<string, number>;
  /** Concatenated text content with entities decoded. */
  text: string;
  /** Every attribute value seen, decoded, as [element, name, value]. */
  attributes: [string, string, string][];
}

const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;

function decode(s: string, where: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "<") throw new Error(`raw "<" in ${where}: ${JSON.stringify(s.slice(0, 80))}`);
    if (c !== "&") {
      out += c;
      continue;
    }
    ENTITY.lastIndex = i;
    const m = ENTITY.exec(s);
    if (!m) throw new Error(`bare "&" in ${where}: ${JSON.stringify(s.slice(i, i + 20))}`);
    const e = m[0];
    out +=
      e === "&amp;"
        ? "&"
        : e === "&lt;"
          ? "<"
          : e === "&gt;"
            ? ">"
            : e === "&quot;"
              ? '"'
              : e === "&apos;"
                ? "'"
                : String.fromCodePoint(
                    e[2] === "x" ? Number.parseInt(e.slice(3, -1), 16) : Number(e.slice(2, -1)),
                  );
    i += e.length - 1;
  }
  return out;
}

/** Throws with a precise message when `xml` is not a single well-formed element tree. */
export function checkXml(xml: string): XmlCheck {
  const counts = new Map<string, number>();
  const attributes: [string, string, string][] = [];
  const stack: string[] = [];
  let text = "";
  let i = 0;
  let roots = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const chunk = lt < 0 ? xml.slice(i) : xml.slice(i, lt);
    if (chunk.length) {
      if (stack.length === 0 && chunk.trim())
        throw new Error(`text outside the root element: ${chunk.slice(0, 40)}`);
      text += decode(chunk, "text");
    }
    if (lt < 0) break;
    const gt = xml.indexOf(">", lt);
    if (gt < 0) throw new Error(`unterminated tag at ${lt}`);
    const tag = xml.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith("/")) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) throw new Error(`closing </${name}> does not match <${open ?? "(none)"}> at ${lt}`);
      continue;
    }
    const selfClosing = tag.endsWith("/");
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([A-Za-z][\w:-]*)/.exec(body);
    if (!m) throw new Error(`bad tag name at ${lt}: <${tag.slice(0, 30)}>`);
    const name = m[1]!;
    let rest = body.slice(name.length);
    const attr = /^\s+([A-Za-z_:][\w:.-]*)="([^"]*)"/;
    for (;;) {
      const a = attr.exec(rest);
      if (!a) break;
      attributes.push([name, a[1]!, decode(a[2]!, `attribute ${a[1]} of <${name}>`)]);
      rest = rest.slice(a[0].length);
    }
    if (rest.trim())
      throw new Error(`malformed attributes in <${name}> at ${lt}: ${JSON.stringify(rest.slice(0, 40))}`);
    if (stack.length === 0) roots++;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (!selfClosing) stack.push(name);
  }
  if (stack.length) throw new Error(`unclosed elements: ${stack.join(" > ")}`);
  if (roots !== 1) throw new Error(`expected exactly one root element, found ${roots}`);
  return { counts, text, attributes };
}
