// /24 (IPv4) and /48 (IPv6) roll-ups: whether blocked sources cluster in a few networks.

/** One family's table: the same columns for both, under the view's `v4` or `v6`. */
function rollupTable(view: "v4" | "v6", title: string, prefix: string, empty: string): string {
  return `<h3>${title}</h3>
{{#if ${view}.rows.length}}
<div class="tw"><table>
<thead><tr><th>Prefix</th><th class="n">Sources</th><th class="n">Hot keys</th><th class="n">Blocked keys</th><th class="n">Packets</th><th class="n">Would drop packets</th><th class="n">Share of all would-drop</th></tr></thead>
<tbody>
{{#each ${view}.rows}}<tr><td class="src">{{prefix}}</td><td class="n">{{int sources}}</td><td class="n">{{int hotKeys}}</td><td class="n">{{int blockedKeys}}</td><td class="n">{{int total.packets}}</td><td class="n">{{int wouldDrop.packets}}</td><td class="n">{{pct wouldDropSharePct}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if ${view}.notShown}}<p class="more">{{int ${view}.notShown}} more ${prefix} prefixes not shown; see summary.json.</p>{{/if}}
{{else}}<p class="muted">${empty}</p>{{/if}}
`;
}

export const rollups = `<section id="rollups" aria-labelledby="rollups-h">
<h2 id="rollups-h">Network roll-ups</h2>
${rollupTable("v4", "IPv4 /24", "/24", "No IPv4 traffic.")}${rollupTable("v6", "IPv6 /48", "/48", "No IPv6 traffic.")}</section>
`;
