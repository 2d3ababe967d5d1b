// /24 (IPv4) and /48 (IPv6) roll-ups: whether blocked sources cluster in a few networks. Every row is in the
// page (find by prefix, address or CIDR; sort; page).

/** One family's table, under the view's explore.v4 or explore.v6. */
function rollupTable(view: "v4" | "v6", title: string, empty: string): string {
  return `<h3>${title}</h3>
{{#if explore.${view}.total}}
{{> exploreTable t=explore.${view} drill=false}}
{{#if ${view}Capped}}<p class="more">{{int ${view}Capped}} more prefixes with the least traffic are left out (at most {{int rollupCap}} rows per family).</p>{{/if}}
{{else}}<p class="muted">${empty}</p>{{/if}}
`;
}

export const rollups = `<section id="rollups" aria-labelledby="rollups-h">
<h2 id="rollups-h">Network roll-ups</h2>
${rollupTable("v4", "IPv4 /24", "No IPv4 traffic.")}${rollupTable("v6", "IPv6 /48", "No IPv6 traffic.")}</section>
`;
