// The candidate rules: the enforceable triggers of rules.json (also in rules.nft and rules.txt, merged where
// safe) as a table, the probably-legitimate blocked keys held back apart as a second table (an allowlist
// suggestion), and the allowlist as exceptions. Tables, not a collapsed block: they print as they read.
export const rules = `<section id="rules" aria-labelledby="rules-h">
<h2 id="rules-h">Candidate rules</h2>
<p>{{plural m.rules.total "enforceable trigger"}} (blocked and not probably legitimate), in <code>rules.json</code>; the same keys in <code>rules.nft</code> (nftables sets, data only) and <code>rules.txt</code>: {{plural m.rules.exports.entries.length "entry" "entries"}}{{#if m.rules.exports.merged}}, of which {{plural m.rules.exports.merged "merged prefix" "merged prefixes"}} covering neighbours on the same port with no other traffic inside{{/if}}. They are candidates for a human-approved trial, not an active configuration.</p>
{{#if triggers.rows.length}}
<div class="tw"><table>
<caption>Enforceable triggers, in key order</caption>
<thead><tr><th scope="col">Source</th><th scope="col" class="n">Port</th><th scope="col">Class</th><th scope="col">First hot</th><th scope="col">Last hot</th><th scope="col" class="n">Hot intervals</th><th scope="col" class="n">Would drop (packets)</th><th scope="col" class="n">Block for</th><th scope="col">Fired because</th></tr></thead>
<tbody>
{{#each triggers.rows}}<tr><td class="src">{{src}}</td><td class="n">{{#if dstPort}}{{dstPort}}{{else}}any{{/if}}</td><td>{{abuseClass abuseClass}}</td><td>{{time firstHot}}</td><td>{{time lastHot}}</td><td class="n">{{int hotIntervals}}</td><td class="n">{{int wouldDrop.packets}}</td><td class="n">{{duration durationSec}}</td><td class="small">{{#if (eq abuseClass "SYN_FLOOD_LIKE")}}SYN rate ≥ {{rate criteria.syn_rate_threshold "SYN/s"}}, success ratio ≤ {{ratio criteria.success_ratio_threshold}}, ≥ {{int criteria.min_syn}} SYNs{{else}}≥ {{int criteria.min_packets}} packets and two of: {{rate criteria.vol_syn_rate "SYN/s"}}, {{rate criteria.vol_pkt_rate "pkt/s"}}, {{byteRate criteria.vol_byte_rate}}{{/if}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if triggers.notShown}}<p class="more">{{int triggers.notShown}} more triggers not shown; see rules.json.</p>{{/if}}
{{/if}}
{{#if heldBack.rows.length}}
<h3 id="held-back">Held back: blocked but probably legitimate</h3>
<p>{{plural m.rules.heldBack.length "key"}} met the thresholds but mostly completed handshakes. {{#if (eq m.rules.heldBack.length 1)}}It is{{else}}They are{{/if}} in no enforceable list (not a trigger of <code>rules.json</code>, not in <code>rules.nft</code> or <code>rules.txt</code>); <code>rules.json</code> lists {{#if (eq m.rules.heldBack.length 1)}}it{{else}}them{{/if}} under <code>held_back</code>. Consider allowlisting {{#if (eq m.rules.heldBack.length 1)}}it{{else}}them{{/if}}.</p>
<div class="tw"><table>
<caption>Held back (allowlist suggestion), most would-drop first</caption>
<thead><tr><th scope="col">Source</th><th scope="col" class="n">Port</th><th scope="col">Class</th><th scope="col" class="n">Would drop (packets)</th><th scope="col" class="n">Probably legitimate</th><th scope="col" class="n">Min success ratio</th><th scope="col" class="n">Peak rate</th><th scope="col">First hot</th><th scope="col">Last hot</th><th scope="col">Allowlist entry</th></tr></thead>
<tbody>
{{#each heldBack.rows}}<tr><td class="src">{{src}}</td><td class="n">{{#if dstPort}}{{dstPort}}{{else}}any{{/if}}</td><td>{{abuseClass abuseClass}}</td><td class="n">{{int wouldDrop.packets}}</td><td class="n">{{pct probablyLegitPct}}</td><td class="n">{{ratio minSuccessRatio}}</td><td class="n">{{rate peakPktRate "pkt/s"}}</td><td>{{time firstHot}}</td><td>{{time lastHot}}</td><td><code>{{src}}</code></td></tr>
{{/each}}
</tbody>
</table></div>
{{#if heldBack.notShown}}<p class="more">{{int heldBack.notShown}} more held-back keys not shown; see rules.json.</p>{{/if}}
{{/if}}
{{#if m.rules.exports.withheld.length}}
<p>Withheld from <code>rules.nft</code> and <code>rules.txt</code> (an address of the key has other traffic the entry would also block): {{#each m.rules.exports.withheld}}<code>{{display}}</code>{{#unless @last}}, {{/unless}}{{/each}}.</p>
{{/if}}
{{#if exceptions.rows.length}}
<h3>Exceptions (allowlist)</h3>
<p>{{#each exceptions.rows}}<code>{{value}}</code>{{#unless @last}}, {{/unless}}{{/each}}</p>
{{#if exceptions.notShown}}<p class="more">{{int exceptions.notShown}} more not shown; see rules.json.</p>{{/if}}
{{/if}}
{{#if rulesJson}}
<details class="rules-json"><summary>rules.json</summary>
<pre>{{rulesJson}}</pre>
</details>
{{/if}}
</section>
`;
