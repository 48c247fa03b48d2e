// @ts-check
/**
 * Model cost of the tenant by workflow, tenant or UTC day over a period, as a chart and a table.
 */
import { client } from '../api.js';
import { h, replace, table, money } from '../dom.js';
import { barChart } from '../chart.js';

/** @param {HTMLElement} main */
export async function costsPage(main) {
  const groupBy = /** @type {HTMLSelectElement} */ (h('select', { id: 'cost-group' }, ['workflow', 'tenant', 'day'].map((g) => h('option', { value: g }, g))));
  const from = /** @type {HTMLInputElement} */ (h('input', { id: 'cost-from', type: 'date' }));
  const to = /** @type {HTMLInputElement} */ (h('input', { id: 'cost-to', type: 'date' }));
  const out = h('div');
  const load = async () => {
    const report = await client.call('getCostReport', { query: {
      groupBy: /** @type {'workflow' | 'tenant' | 'day'} */ (groupBy.value), from: from.value || undefined, to: to.value || undefined,
    } });
    const priced = report.groups.some((/** @type {any} */ g) => g.cost !== null);
    const bars = report.groups.map((/** @type {any} */ g) => ({ label: g.key, value: priced ? (g.cost ?? 0) : g.inputTokens + g.outputTokens }));
    const t = report.totals;
    replace(out,
      h('figure', { class: 'card' },
        h('figcaption', null, priced ? `Cost by ${report.groupBy}` : `Tokens by ${report.groupBy} (no model has a price)`),
        bars.length ? barChart(bars, priced ? money : (v) => `${v} tokens`) : h('p', null, 'No model calls in this period.')),
      table(`Model calls by ${report.groupBy}`, [report.groupBy, 'Calls', 'Attempts', 'Input tokens', 'Output tokens', 'Cost'],
        report.groups.map((/** @type {any} */ g) => [g.key, g.calls, g.attempts, g.inputTokens, g.outputTokens, money(g.cost)])),
      h('p', null, `Total: ${t.calls} call(s), ${t.inputTokens} input and ${t.outputTokens} output tokens, cost ${money(t.cost)}`,
        t.unpricedAttempts ? ` (${t.unpricedAttempts} unpriced attempt(s) not counted)` : ''));
  };
  const form = h('form', { class: 'filters', 'aria-label': 'Cost report' },
    h('div', { class: 'field' }, h('label', { for: 'cost-group' }, 'Group by'), groupBy),
    h('div', { class: 'field' }, h('label', { for: 'cost-from' }, 'From (UTC day)'), from),
    h('div', { class: 'field' }, h('label', { for: 'cost-to' }, 'Before (UTC day)'), to),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Show')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  await load();
  replace(main, h('h1', null, 'Costs'), form, out);
}
