// The false-positive surface: the share of would-drop traffic that looked legitimate, and the blocked
// keys whose dropped traffic was mostly healthy (the classic false positive of a volumetric rule).
export const fp = `<section id="fp" aria-labelledby="fp-h">
<h2 id="fp-h">False-positive surface</h2>
{{#if m.fp.computed}}
<p><strong>{{pct m.fp.valuePct}}</strong> of the packets that would have been dropped were probably legitimate ({{int m.fp.probablyLegitPackets}} of {{int m.fp.wouldDropPackets}} packets; the limit for READY is {{pct m.config.max_fp_pct}}).</p>
{{else}}
<p><strong>Unknown.</strong> {{m.fp.reason}}</p>
{{/if}}
<p class="muted small">Probably legitimate: would-drop traffic in an interval that was not SYN-flood-like and either completed handshakes (success ratio at least {{ratio m.config.fp_safe_ratio}}) or opened no connections at all. Based on {{int m.fp.nonAllowlistedKeys}} non-allowlisted keys over {{duration m.fp.observedSec}}.</p>
<h3>Healthy keys that would be blocked</h3>
{{#if healthy.rows.length}}
<div class="tw"><table>
<thead><tr><th>Source:port</th><th>Class</th><th class="n">Would drop packets</th><th class="n">Probably legitimate</th><th class="n">Lowest success ratio</th><th class="n">Peak packet rate</th></tr></thead>
<tbody>
{{#each healthy.rows}}<tr><td class="src">{{display}}</td><td>{{abuseClass abuseClass}}</td><td class="n">{{int wouldDropPackets}}</td><td class="n">{{pct probablyLegitPct}}</td><td class="n">{{ratio minSuccessRatio}}</td><td class="n">{{rate peakPktRate "pkt/s"}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if healthy.notShown}}<p class="more">{{int healthy.notShown}} more not shown: every one is in the sources table above (find <code>healthy</code>).</p>{{/if}}
{{else}}
<p>None: no blocked key's dropped traffic was mostly healthy.</p>
{{/if}}
</section>
`;
