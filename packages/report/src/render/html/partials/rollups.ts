// /24 (IPv4) and /48 (IPv6) roll-ups: whether blocked sources cluster in a few networks.
export const rollups = `<section id="rollups" aria-labelledby="rollups-h">
<h2 id="rollups-h">Network roll-ups</h2>
<h3>IPv4 /24</h3>
{{#if v4.rows.length}}
<div class="tw"><table>
<thead><tr><th>Prefix</th><th class="n">Sources</th><th class="n">Hot keys</th><th class="n">Blocked keys</th><th class="n">Packets</th><th class="n">Would drop packets</th><th class="n">Share of all would-drop</th></tr></thead>
<tbody>
{{#each v4.rows}}<tr><td class="src">{{prefix}}</td><td class="n">{{int sources}}</td><td class="n">{{int hotKeys}}</td><td class="n">{{int blockedKeys}}</td><td class="n">{{int total.packets}}</td><td class="n">{{int wouldDrop.packets}}</td><td class="n">{{pct wouldDropSharePct}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if v4.notShown}}<p class="more">{{int v4.notShown}} more /24 prefixes not shown; see summary.json.</p>{{/if}}
{{else}}<p class="muted">No IPv4 traffic.</p>{{/if}}
<h3>IPv6 /48</h3>
{{#if v6.rows.length}}
<div class="tw"><table>
<thead><tr><th>Prefix</th><th class="n">Sources</th><th class="n">Hot keys</th><th class="n">Blocked keys</th><th class="n">Packets</th><th class="n">Would drop packets</th><th class="n">Share of all would-drop</th></tr></thead>
<tbody>
{{#each v6.rows}}<tr><td class="src">{{prefix}}</td><td class="n">{{int sources}}</td><td class="n">{{int hotKeys}}</td><td class="n">{{int blockedKeys}}</td><td class="n">{{int total.packets}}</td><td class="n">{{int wouldDrop.packets}}</td><td class="n">{{pct wouldDropSharePct}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if v6.notShown}}<p class="more">{{int v6.notShown}} more /48 prefixes not shown; see summary.json.</p>{{/if}}
{{else}}<p class="muted">No IPv6 traffic.</p>{{/if}}
</section>
`;
