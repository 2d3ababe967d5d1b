// The candidate-rules section: enforceable triggers and held-back keys as two tables, never mixed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { sampleModel } from "../../../testing/sample-model.js";
import { renderHtml } from "../../html.js";

function table(html: string, caption: string): string {
  const at = html.indexOf(`<caption>${caption}`);
  assert.ok(at > 0, `a table captioned ${caption}`);
  return html.slice(at, html.indexOf("</table>", at));
}

test("rules: the healthy blocked key is in the held-back table, not among the enforceable triggers", () => {
  const m = sampleModel();
  const healthy = m.topSources.rows.find((r) => r.healthyBlocked)!;
  const html = renderHtml(m);
  const section = html.slice(html.indexOf('<section id="rules"'));
  const triggers = table(section, "Enforceable triggers");
  const held = table(section, "Held back");
  assert.ok(!triggers.includes(`>${healthy.src}<`));
  assert.match(held, new RegExp(`<td class="src">${healthy.src.replaceAll(".", "\\.")}</td>`));
  assert.match(held, /<th scope="col" class="n">Probably legitimate<\/th>/);
  // Each enforceable row shows its first and last hot time and its would-drop packets.
  const first = m.rules.triggers[0]!;
  assert.match(triggers, /<th scope="col">First hot<\/th><th scope="col">Last hot<\/th>/);
  assert.ok(triggers.includes(`<td class="src">${first.src}</td>`));
  assert.match(
    section,
    /in <code>rules\.nft<\/code> \(nftables sets, data only\) and <code>rules\.txt<\/code>/,
  );
});
