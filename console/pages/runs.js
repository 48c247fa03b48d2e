// @ts-check
/**
 * Runs: start one (a form made from the workflow's input schema, with an optional business key
 * and idempotency key), filter the list (workflow, status, phase, the workflows' own business
 * state, business key — "which runs touched lead:123" —, idempotency key, time range; the
 * tenant is the key's), newest first, refreshed every few seconds while "Live" is on.
 */
import { client } from '../api.js';
import { h, replace, table, badge, when, announce } from '../dom.js';
import { schemaForm } from '../schema-form.js';

const STATUSES = ['ENQUEUED', 'DELAYED', 'PENDING', 'SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED'];
const PHASES = ['queued', 'running', 'waiting_for_approval', 'waiting_for_event', 'escalated', 'compensating', 'completed', 'failed', 'cancelled', 'rolled_back', 'compensation_failed'];
const REFRESH_MS = 3000;
const FILTERS = ['workflow', 'status', 'phase', 'state', 'key', 'idempotencyKey', 'from', 'to'];

/** The filters in the address (`#/runs?workflow=…`), so a filtered list can be bookmarked. */
function filtersFromHash() {
  const q = new URLSearchParams(location.hash.split('?')[1] ?? '');
  return Object.fromEntries(FILTERS.map((k) => [k, q.get(k) ?? '']));
}

/** `datetime-local` value (local time) to an ISO instant. @param {string} v */
const toInstant = (v) => (v ? new Date(v).toISOString() : undefined);

/** @param {HTMLElement} main @param {{ tenantId: string, roles: string[] }} me */
export async function runsPage(main, me) {
  const { workflows } = await client.workflows();
  const f = filtersFromHash();
  // Every business state some workflow declares, in declaration order.
  const states = [...new Set(workflows.flatMap((/** @type {any} */ w) => w.states?.states ?? []))];
  /** @param {string} id @param {string} label @param {string[]} options @param {string} value */
  const select = (id, label, options, value) => h('div', { class: 'field' }, h('label', { for: id }, label),
    h('select', { id, name: id }, h('option', { value: '' }, 'any'), options.map((o) => h('option', { value: o, selected: o === value }, o))));
  /** @param {string} id @param {string} label @param {string} type @param {string} value */
  const input = (id, label, type, value) => h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, name: id, type, value }));

  const filters = h('form', { class: 'filters', 'aria-label': 'Filter runs' },
    select('workflow', 'Workflow', workflows.map((/** @type {any} */ w) => w.name), f.workflow ?? ''),
    select('status', 'Status', STATUSES, f.status ?? ''),
    select('phase', 'Phase', PHASES, f.phase ?? ''),
    select('state', 'State', states, f.state ?? ''),
    h('div', { class: 'field' }, h('label', { for: 'tenant' }, 'Tenant'), h('input', { id: 'tenant', value: me.tenantId, readonly: true, 'aria-describedby': 'tenant-help' }),
      h('span', { id: 'tenant-help', class: 'help' }, 'Your key sees its own tenant only.')),
    input('key', 'Business key', 'search', f.key ?? ''),
    input('idempotencyKey', 'Idempotency key', 'search', f.idempotencyKey ?? ''),
    input('from', 'Created from', 'datetime-local', f.from ?? ''),
    input('to', 'Created before', 'datetime-local', f.to ?? ''),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Apply filters'), h('a', { href: '#/runs', class: 'button' }, 'Clear')));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (filters));
    const q = new URLSearchParams();
    for (const k of FILTERS) {
      const v = String(data.get(k) ?? '');
      if (v) q.set(k, v);
    }
    const s = q.toString();
    location.hash = s ? `#/runs?${s}` : '#/runs';
  });

  const live = /** @type {HTMLInputElement} */ (h('input', { id: 'live', type: 'checkbox', checked: true }));
  const list = h('div', { id: 'run-list' });
  const more = h('div', { class: 'actions' });
  // The address holds strings; an empty filter is no filter, and the server checks the rest.
  /** @type {import('../api.js').OperationArgs<'listRuns'>['query']} */
  const params = /** @type {any} */ ({
    workflow: f.workflow || undefined, status: f.status || undefined, phase: f.phase || undefined, state: f.state || undefined,
    key: f.key || undefined, idempotencyKey: f.idempotencyKey || undefined,
    from: toInstant(f.from ?? ''), to: toInstant(f.to ?? ''), limit: 25,
  });
  /** @type {any[]} */
  let shown = [];
  /** @param {string | null} cursor */
  const load = async (cursor) => {
    const page = await client.runs.list({ ...params, ...(cursor ? { cursor } : {}) });
    shown = cursor ? [...shown, ...page.runs] : page.runs;
    replace(list, table('Runs, newest first', ['Run', 'Workflow', 'Phase', 'State', 'Status', 'Business key', 'Created', 'Updated'],
      shown.map((r) => [h('a', { href: `#/runs/${encodeURIComponent(r.id)}` }, r.id), r.workflow, badge(r.phase), r.state ? badge(r.state) : '—', badge(r.status), r.businessKey ?? '—', when(r.createdAt), when(r.updatedAt)])));
    replace(more, page.nextCursor ? h('button', { type: 'button', onclick: () => void load(page.nextCursor) }, 'Show older runs') : null);
  };
  await load(null);
  const timer = setInterval(() => {
    if (live.checked && shown.length <= 25 && document.visibilityState === 'visible') void load(null).catch(() => {});
  }, REFRESH_MS);

  replace(main,
    h('h1', null, 'Runs'),
    startForm(workflows),
    h('section', { 'aria-labelledby': 'filters-title' }, h('h2', { id: 'filters-title' }, 'Filters'), filters),
    h('div', { class: 'field check live' }, live, h('label', { for: 'live' }, 'Live: refresh every 3 seconds')),
    list, more);
  return () => clearInterval(timer);
}

/** "Start a run": choose a workflow, fill in its input. @param {any[]} workflows */
function startForm(workflows) {
  const choose = /** @type {HTMLSelectElement} */ (h('select', { id: 'start-workflow', name: 'workflow', required: true },
    workflows.map((w) => h('option', { value: w.name }, w.name))));
  const description = h('p', { class: 'help', id: 'start-description' });
  const inputArea = h('div');
  let form = schemaForm(null, {}, 'start-input');
  const show = () => {
    const w = workflows.find((x) => x.name === choose.value);
    description.textContent = w?.description ?? '';
    form = schemaForm(w?.inputSchema, {}, 'start-input');
    replace(inputArea, form.element);
  };
  choose.addEventListener('change', show);
  show();
  const businessKey = h('input', { id: 'start-business-key', name: 'businessKey', type: 'text', maxlength: '255', placeholder: 'lead:123' });
  const key = h('input', { id: 'start-key', name: 'idempotencyKey', type: 'text', maxlength: '255' });
  const el = h('form', { 'aria-labelledby': 'start-title' },
    h('div', { class: 'field' }, h('label', { for: 'start-workflow' }, 'Workflow to start'), choose, description),
    h('fieldset', null, h('legend', null, 'Input'), inputArea),
    h('div', { class: 'field' }, h('label', { for: 'start-business-key' }, 'Business key ', h('span', { class: 'optional' }, '(optional; what the run is about, to find it by later)')), businessKey),
    h('div', { class: 'field' }, h('label', { for: 'start-key' }, 'Idempotency key ', h('span', { class: 'optional' }, '(optional; a repeat returns the same run)')), key),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Start run')));
  el.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      try {
        const input = form.read();
        const run = await startRun(choose.value, input, /** @type {HTMLInputElement} */ (businessKey).value.trim(), /** @type {HTMLInputElement} */ (key).value.trim());
        announce(`Run ${run.id} started`);
        location.hash = `#/runs/${encodeURIComponent(run.id)}`;
      } catch (err) {
        announce(err instanceof Error ? err.message : String(err), 'error');
      }
    })();
  });
  return h('details', { class: 'card start' }, h('summary', { id: 'start-title' }, 'Start a run'), el);
}

/**
 * The business key is part of the body; the idempotency key travels as the Idempotency-Key header.
 * @param {string} workflow @param {unknown} input @param {string} businessKey @param {string} key
 */
function startRun(workflow, input, businessKey, key) {
  return client.runs.start({ workflow, input, ...(businessKey ? { businessKey } : {}) }, key ? { idempotencyKey: key } : {});
}
