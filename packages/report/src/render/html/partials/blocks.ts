// How many rules an enforcer would have to hold at once: a random-source flood is not solved by
// per-source blocking, and this is where that shows.
export const blocks = `<section id="blocks" aria-labelledby="blocks-h">
<h2 id="blocks-h">Peak concurrent blocks</h2>
<p>At most <strong>{{plural m.impact.peakConcurrentBlocks "block"}}</strong> would have been active at the same time{{#if m.impact.peakConcurrentAt}} ({{time m.impact.peakConcurrentAt}}){{/if}}: {{peakConcurrentShare}} of the {{int m.config.max_rules}}-rule limit.{{#if tooManyRules}} <strong>Per-source blocking does not scale to this: an enforcer would need more simultaneous rules than allowed.</strong>{{/if}}</p>
{{#if hasSeries}}{{{charts.activeBlocks}}}{{/if}}
<p class="muted small">Each block lasts {{duration m.config.block_duration_sec}} from the end of the hot interval that triggered it and re-arms while the source stays hot.</p>
</section>
`;
