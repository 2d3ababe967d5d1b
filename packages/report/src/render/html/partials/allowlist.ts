// What the allowlist changed: which hot sources it spared and how much traffic they would have lost.
export const allowlist = `<section id="allowlist" aria-labelledby="allowlist-h">
<h2 id="allowlist-h">Allowlist effect</h2>
{{#if m.allowlist.configured}}
<p>{{plural m.allowlist.entries.total "entry" "entries"}} from <code>{{m.allowlist.path}}</code> (IPv4: {{plural m.allowlist.entries.v4Addresses "address" "addresses"}}, {{plural m.allowlist.entries.v4Cidrs "CIDR"}}; IPv6: {{plural m.allowlist.entries.v6Addresses "address" "addresses"}}, {{plural m.allowlist.entries.v6Cidrs "CIDR"}}). They cover {{plural m.allowlist.matchedKeys "observed key"}}; {{int m.allowlist.hotKeys}} of them were hot and would otherwise have been blocked.</p>
<p>Spared: {{int m.allowlist.spared.packets}} packets ({{pct m.allowlist.sparedPct.packets}}), {{bytes m.allowlist.spared.bytes}} ({{pct m.allowlist.sparedPct.bytes}}), {{int m.allowlist.spared.syn}} SYNs ({{pct m.allowlist.sparedPct.syn}}).</p>
{{#if allowTop.rows.length}}
<div class="tw"><table>
<thead><tr><th>Source:port</th><th>Class</th><th class="n">Spared packets</th><th class="n">Spared SYNs</th><th class="n">Peak SYN rate</th></tr></thead>
<tbody>
{{#each allowTop.rows}}<tr><td class="src">{{display}}</td><td>{{abuseClass abuseClass}}</td><td class="n">{{int spared.packets}}</td><td class="n">{{int spared.syn}}</td><td class="n">{{rate peakSynRate "SYN/s"}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if allowTop.notShown}}<p class="more">{{int allowTop.notShown}} more not shown: every one is in the sources table (find <code>allowlisted</code>).</p>{{/if}}
{{/if}}
<details><summary>Allowlist entries</summary>
<p>{{#each allowEntries.rows}}<code>{{this}}</code>{{#unless @last}}, {{/unless}}{{/each}}</p>
{{#if allowEntries.notShown}}<p class="more">{{int allowEntries.notShown}} more entries not shown; see rules.json.</p>{{/if}}
</details>
{{else}}
<p>No allowlist configured (<code>--allowlist FILE</code>): every hot source counts as blocked.</p>
{{/if}}
</section>
`;
