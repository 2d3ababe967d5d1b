// The page's one inline script, built from the TypeScript modules that the tests run in Node: the exported
// functions of explore/logic.ts, explore/dom.ts and render/format.ts, as their own source text
// (Function.prototype.toString), plus each module's exported constants as JSON. One source of truth, and no
// build step. The CSP allows exactly this text by its sha256 hash.
import { createHash } from "node:crypto";
import * as format from "../../format.js";
import * as dom from "./dom.js";
import * as logic from "./logic.js";

function moduleText(name: string, ns: Record<string, unknown>): string {
  const out: string[] = [];
  for (const [k, v] of Object.entries(ns)) {
    if (typeof v === "function") {
      const src = Function.prototype.toString.call(v);
      // Only plain function declarations can be re-declared by name in the script; anything else is a bug here.
      if (!/^function\s*\*?\s*[A-Za-z_$][\w$]*\s*\(/.test(src) || v.name !== k)
        throw new Error(`explore script: ${name} export ${k} is not a plain named function declaration`);
      out.push(src);
    } else out.push(`const ${k} = ${JSON.stringify(v)};`);
  }
  return out.join("\n");
}

/**
 * The script text, ending with `entry` (tests expose the functions instead). A source transformer may wrap inner functions in a `__name(fn, "name")` call to keep
 * their names (tsx does, tsc does not): the identity shim makes the same text work in the page.
 */
export function scriptText(entry: string): string {
  const body = [
    '"use strict";',
    "const __name = (f) => f;",
    moduleText("format", format),
    moduleText("logic", logic),
    moduleText("dom", dom),
    entry,
  ].join("\n");
  const text = `(function () {\n${body}\n})();`;
  // Inline in <script>: a closing tag or a comment opener inside would end or change it.
  if (/<\/script|<!--/i.test(text)) throw new Error("explore script: the text contains </script or <!--");
  return text;
}

/** The page's script: every function, then the entry point that upgrades the tables. */
export const SCRIPT = scriptText("exploreMain();");
export const SCRIPT_HASH = `sha256-${createHash("sha256").update(SCRIPT).digest("base64")}`;
