// How many rules an enforcer would have to hold at once: a random-source flood is not solved by
// per-source blocking, and this is where that shows.
export const blocks = `<section id="blocks" aria-labelledby="blocks-h">
<h2 id="blocks-h">Peak concurrent blocks</h2>
<p class="peak-blocks">{{peakBlocksText}}{{#if tooManyRules}} <strong>Per-source blocking does not scale to this: an enforcer would need more simultaneous rules than allowed.</strong>{{/if}}</p>
{{#if hasSeries}}<figure class="chart" aria-describedby="blocks-alt">{{{charts.activeBlocks}}}<figcaption id="blocks-alt" class="muted small">{{chartText.blocks}}</figcaption></figure>{{/if}}
<p class="muted small">Each block lasts {{duration m.config.block_duration_sec}} from the end of the hot interval that triggered it and re-arms while the source stays hot.</p>
</section>
`;
