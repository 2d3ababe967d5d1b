// Port-level findings, independent of sources: a flood spread over many sources that no per-source
// rule catches shows here, with SYN rate and distinct sources per interval as small multiples.
export const ports = `<section id="ports" aria-labelledby="ports-h">
<h2 id="ports-h">Port-level findings and distinct sources</h2>
{{#if hasSeries}}<figure class="chart" aria-describedby="distinct-alt">{{{charts.distinct}}}<figcaption id="distinct-alt" class="muted small">{{chartText.distinct}}</figcaption></figure>{{/if}}
{{#if ports.length}}
<div class="tw"><table>
<caption class="muted small">Each port's figures (also the data behind the small charts below)</caption>
<thead><tr><th scope="col" class="n">Port</th><th scope="col">Finding</th><th scope="col" class="n">Peak SYN rate</th><th scope="col" class="n">Success ratio at peak</th><th scope="col" class="n">Max distinct sources</th><th scope="col" class="n">Hot intervals</th><th scope="col" class="n">SYNs from hot sources</th></tr></thead>
<tbody>
{{#each ports}}<tr><td class="n">{{finding.dstPort}}</td><td>{{#if (eq finding.kind "UNATTRIBUTED_FLOOD")}}<span class="badge block">not attributable</span> {{/if}}{{finding.message}}</td><td class="n">{{rate finding.peakSynRate "SYN/s"}}</td><td class="n">{{ratio finding.successRatioAtPeak}}</td><td class="n">{{int finding.maxDistinctSources}}</td><td class="n">{{int finding.hotIntervals}}</td><td class="n">{{#if finding.hotIntervals}}{{pct finding.attributedSynPct}}{{else}}none hot{{/if}}</td></tr>
{{/each}}
</tbody>
</table></div>
<h3>Per port over time</h3>
<div class="multiples">
<div class="muted small">Port</div><div class="muted small">Aggregate SYN rate (ring: maximum; red ticks under the line: port hot)</div><div class="muted small">Distinct sources (ring: maximum)</div>
{{#each ports}}<div class="mono">{{finding.dstPort}}</div>{{{synChart}}}{{{distinctChart}}}
{{/each}}
</div>
{{#if portsNotShown}}<p class="more">{{int portsNotShown}} more ports not shown; summary.json has every port (port_findings).</p>{{/if}}
{{else}}
<p>No traffic on any monitored port.</p>
{{/if}}
</section>
`;
