// Traffic over time with the would-drop part overlaid, and the impact table (delayed enforcer,
// ideal rule, cost of detection delay, what the allowlist spared).
export const traffic = `<section id="traffic" aria-labelledby="traffic-h">
<h2 id="traffic-h">Traffic over time, and what would have been dropped</h2>
<div class="tw"><table>
<thead><tr><th></th><th class="n">Packets</th><th class="n">Bytes</th><th class="n">SYNs</th></tr></thead>
<tbody>
{{#each impactRows}}<tr><td>{{label}}<div class="muted small">{{note}}</div></td><td class="n">{{int m.packets}}{{#if share}}<div class="muted small">{{pct share.packets}}</div>{{/if}}</td><td class="n">{{bytes m.bytes}}{{#if share}}<div class="muted small">{{pct share.bytes}}</div>{{/if}}</td><td class="n">{{int m.syn}}{{#if share}}<div class="muted small">{{pct share.syn}}</div>{{/if}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{#if hasSeries}}
<figure class="chart" aria-describedby="traffic-alt">
{{{charts.packets}}}
{{{charts.syn}}}
{{{charts.bytes}}}
<figcaption id="traffic-alt" class="muted small">{{chartText.traffic}}</figcaption>
</figure>
<details class="chart-data"><summary>The charts' data as a table ({{int seriesTable.length}} intervals)</summary>
<div class="tw"><table>
<caption>Traffic per interval (rates per second, UTC): the data of the traffic, distinct-source and active-block charts</caption>
<thead><tr><th scope="col">Interval start</th><th scope="col" class="n">Packets/s</th><th scope="col" class="n">Would drop, attack-like (packets/s)</th><th scope="col" class="n">Would drop, probably legitimate (packets/s)</th><th scope="col" class="n">SYN/s</th><th scope="col" class="n">Would drop SYN/s</th><th scope="col" class="n">Bytes/s</th><th scope="col" class="n">Distinct keys</th><th scope="col" class="n">Active blocks</th></tr></thead>
<tbody>
{{#each seriesTable}}<tr><td class="key">{{this.[0]}}</td><td class="n">{{this.[1]}}</td><td class="n">{{this.[2]}}</td><td class="n">{{this.[3]}}</td><td class="n">{{this.[4]}}</td><td class="n">{{this.[5]}}</td><td class="n">{{this.[6]}}</td><td class="n">{{this.[7]}}</td><td class="n">{{this.[8]}}</td></tr>
{{/each}}
</tbody>
</table></div>
</details>
<p class="muted small">Rates per second over each interval's real span, UTC. The red area (solid edge) is what rules would have dropped from attack-like traffic; the amber area (dashed edge) is would-drop traffic that looks legitimate. Both start one interval after a source turns hot, because the enforcer acts on the snapshot that reveals it. A dark bar with "!" above the plot marks intervals with a port flood that no source explains: per-source rules cannot drop it.</p>
{{else}}
<p class="muted">No intervals in the analysed window.</p>
{{/if}}
</section>
`;
