// One interactive table (render/html/explore): caption, column headers with scopes, and the top rows
// rendered here so they show without JavaScript; the page's script adds find, sort and paging over all
// rows from the data block named by data-explore. Called as {{> exploreTable t=<ExploreTable> drill=<bool>}}.
export const exploreTable = `<div class="tw"><table class="explore" data-explore="{{t.id}}"{{#if drill}} data-drill="1"{{/if}}>
<caption>{{t.caption}}</caption>
<thead><tr>{{#each t.heads}}<th scope="col"{{#if cls}} class="{{cls}}"{{/if}}>{{label}}</th>{{/each}}</tr></thead>
<tbody>
{{#each t.rows}}<tr>{{#each this}}<td{{#if cls}} class="{{cls}}"{{/if}}>{{text}}</td>{{/each}}</tr>
{{/each}}</tbody>
</table></div>
`;
