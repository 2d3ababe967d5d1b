// Sources with a hot interval (blocked first), their episodes (by impact), the per-source drill-down and
// keys that were hot in a single interval only (for manual review). Every row is in the page: the tables
// show the top rows and the script (render/html/explore) finds, sorts and pages the rest.
export const sources = `<section id="sources" aria-labelledby="sources-h">
<h2 id="sources-h">Top sources that would be blocked</h2>
{{#if hasBlocked}}{{{charts.topSources}}}{{/if}}
{{#if explore.sources.total}}
<p class="muted small">Find a key by text, by address (<code>198.18.0.1</code>, <code>2001:2::1</code>, with <code>:port</code> if wanted) or by CIDR (<code>198.18.0.0/16</code>, <code>2001:2::/32</code>): every source with a hot interval is in this page. Select a blocked key to see its drill-down.</p>
{{> exploreTable t=explore.sources drill=true}}
{{else}}
<p>No source was hot in any interval: no per-source rule would have fired.</p>
{{/if}}
{{#if explore.drillKeys}}
<h3 id="drill-h">Per-source drill-down</h3>
<p class="muted small">For a blocked key: its packets per interval with its block windows, its episodes, and its would-drop split into attack-like and probably legitimate. The analysis keeps a key's intervals that were hot at half the thresholds or inside a possible block; intervals below half the thresholds are not retained and are not drawn. Shown below without JavaScript: the {{int staticDrillCount}} blocked keys with the most would-drop packets.</p>
<div id="drill-live" class="drill" hidden></div>
<div class="drill">{{#each explore.staticDrills}}{{{this}}}{{/each}}</div>
{{/if}}
{{#if explore.episodes.total}}
<h3>Episodes</h3>
{{> exploreTable t=explore.episodes drill=false}}
{{/if}}
{{#if singles.rows.length}}
<h3>Hot in a single interval only (review by hand)</h3>
<p class="muted small">One hot interval can be a burst rather than abuse; these keys count in the figures above but deserve a look before a rule is approved.</p>
<p>{{#each singles.rows}}<code class="src">{{display}}</code>{{#unless @last}}, {{/unless}}{{/each}}</p>
{{#if singles.notShown}}<p class="more">{{int singles.notShown}} more not listed here: every one is in the sources table above (sort it by Hot intervals).</p>{{/if}}
{{/if}}
</section>
`;
