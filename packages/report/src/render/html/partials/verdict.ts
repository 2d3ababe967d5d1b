// Verdict first: the outcome in one word, one sentence, four key figures, the gating reasons (naming the
// keys involved), the checks with their numbers, and the model's assumptions. A reader should get the answer from this section alone.
export const verdict = `<section id="verdict" class="verdict {{outcomeClass m.verdict.outcome}}" aria-labelledby="verdict-h">
<h2 id="verdict-h" class="muted small">Is a human-approved enforcement trial reasonable?</h2>
<div class="label">{{m.verdict.label}}</div>
<p class="headline">{{headline m.verdict}}</p>
<div class="tiles">
{{#each tiles}}<div class="tile{{#if bad}} bad{{/if}}"><div class="k">{{key}}</div><div class="v">{{value}}</div><div class="d">{{detail}}</div></div>
{{/each}}
</div>
{{#if m.verdict.reasons.length}}
<h3>Reasons</h3>
<ol class="reasons">
{{#each m.verdict.reasons}}<li>{{text}}</li>
{{/each}}
</ol>
{{/if}}
{{#if checks.length}}
<div class="tw"><table class="checks">
<caption>The checks that decide the verdict</caption>
<thead><tr><th scope="col">Check</th><th scope="col" class="n">Measured</th><th scope="col">Limit</th><th scope="col">Result</th></tr></thead>
<tbody>
{{#each checks}}<tr{{#if failed}} class="failed"{{/if}}><th scope="row">{{label}}</th><td class="n">{{measured}}</td><td>{{limit}}</td><td>{{#if failed}}<strong class="outcome-not-ready">{{result}}</strong>{{else}}{{result}}{{/if}}</td></tr>
{{/each}}
</tbody>
</table></div>
{{/if}}
{{#if (eq m.verdict.outcome "READY")}}
<h3>Every criterion met</h3>
<ul>
<li>False-positive bound known and at most {{pct m.config.max_fp_pct}}</li>
<li>No healthy key would be blocked</li>
<li>Would drop at least {{pct m.config.min_blocked_pct}} of the traffic its class targets</li>
<li>At most {{int m.config.max_rules}} blocks active at once</li>
</ul>
{{/if}}
{{#if m.verdict.notes.length}}
<h3>Also worth knowing</h3>
<ul>
{{#each m.verdict.notes}}<li>{{this}}</li>
{{/each}}
</ul>
{{/if}}
<div class="assumptions"><strong>The model behind these numbers.</strong>
{{#each m.assumptions}}<p>{{this}}</p>
{{/each}}
</div>
</section>
`;
