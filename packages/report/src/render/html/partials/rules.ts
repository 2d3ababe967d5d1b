// The candidate rules as written to rules.json: one trigger per blocked key, with the allowlist as exceptions.
export const rules = `<section id="rules" aria-labelledby="rules-h">
<h2 id="rules-h">Candidate rules</h2>
<p>{{plural m.rules.total "trigger"}}, one per blocked key, in <code>rules.json</code>. They are candidates for a human-approved trial, not an active configuration.</p>
{{#if triggers.rows.length}}
<div class="tw"><table>
<thead><tr><th>Source</th><th class="n">Port</th><th>Class</th><th class="n">Window</th><th class="n">Block for</th><th>Fired because</th></tr></thead>
<tbody>
{{#each triggers.rows}}<tr><td class="src">{{src}}</td><td class="n">{{dstPort}}</td><td>{{abuseClass abuseClass}}</td><td class="n">{{duration windowSec}}</td><td class="n">{{duration durationSec}}</td><td class="small">{{#if (eq abuseClass "SYN_FLOOD_LIKE")}}SYN rate ≥ {{rate criteria.syn_rate_threshold "SYN/s"}}, success ratio ≤ {{ratio criteria.success_ratio_threshold}}, ≥ {{int criteria.min_syn}} SYNs{{else}}≥ {{int criteria.min_packets}} packets and two of: {{rate criteria.vol_syn_rate "SYN/s"}}, {{rate criteria.vol_pkt_rate "pkt/s"}}, {{byteRate criteria.vol_byte_rate}}{{/if}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if triggers.notShown}}<p class="more">{{int triggers.notShown}} more triggers not shown; see rules.json.</p>{{/if}}
{{/if}}
{{#if exceptions.rows.length}}
<h3>Exceptions (allowlist)</h3>
<p>{{#each exceptions.rows}}<code>{{value}}</code>{{#unless @last}}, {{/unless}}{{/each}}</p>
{{#if exceptions.notShown}}<p class="more">{{int exceptions.notShown}} more not shown; see rules.json.</p>{{/if}}
{{/if}}
{{#if rulesJson}}
<details><summary>rules.json</summary>
<pre>{{rulesJson}}</pre>
</details>
{{/if}}
</section>
`;
