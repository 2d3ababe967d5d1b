// The decision rerun with every rate threshold scaled together: shows how close the verdict is to flipping.
export const sensitivity = `<section id="sensitivity" aria-labelledby="sensitivity-h">
<h2 id="sensitivity-h">Sensitivity to the thresholds</h2>
<p class="muted small">All rate thresholds (SYN rate and the three volumetric rates) scaled together; ratio thresholds fixed. The highlighted row is the configuration of this report.</p>
<div class="tw"><table>
<thead><tr><th class="n">Scale</th><th class="n">SYN rate threshold</th><th class="n">Volumetric SYN/s · pkt/s · bytes/s</th><th class="n">Keys blocked</th><th class="n">Would drop packets · SYNs</th><th class="n">FP bound</th><th class="n">Healthy blocked</th><th class="n">Peak blocks</th><th>Verdict</th></tr></thead>
<tbody>
{{#each m.sensitivity}}<tr{{#if current}} class="current"{{/if}}><td class="n">{{factor factor}}</td><td class="n">{{rate syn_rate_threshold "SYN/s"}}</td><td class="n">{{num vol_syn_rate}} · {{num vol_pkt_rate}} · {{bytes vol_byte_rate}}</td><td class="n">{{int keysBlocked}}</td><td class="n">{{pct wouldDropPct.packets}} · {{pct wouldDropPct.syn}}</td><td class="n">{{#if fpComputed}}{{pct fpPct}}{{else}}unknown{{/if}}</td><td class="n">{{int healthyBlockedKeys}}</td><td class="n">{{int peakConcurrentBlocks}}</td><td class="t outcome-{{outcomeClass outcome}}">{{outcome outcome}}</td></tr>
{{/each}}
</tbody>
</table></div>
</section>
`;
