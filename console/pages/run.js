// @ts-check
/**
 * One run: what it is and where it is (phase, its workflow's own business state, status), its
 * input and output (redacted by the API), its timeline — steps, phase and state changes, tool calls with their ledger state, model calls
 * with tokens and cost, approvals, events, compensations — and the operator's actions:
 * cancel, resume, fork from a chosen step, each confirmed in a dialog. The agent transcript
 * appears when the server offers one.
 */
import { client, ApiError } from '../api.js';
import { h, replace, table, badge, when, json, money, confirmDialog, act, announce } from '../dom.js';

const CANCELLABLE = new Set(['ENQUEUED', 'DELAYED', 'PENDING']);
const RESUMABLE = new Set(['CANCELLED', 'ERROR', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED']);
const FINISHED = new Set(['SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED']);
const REFRESH_MS = 3000;

/** @param {HTMLElement} main @param {string} id */
export async function runPage(main, id) {
  const heading = h('h1', null, 'Run ', h('span', { class: 'mono' }, id));
  const summary = h('div');
  const actions = h('div', { class: 'actions run-actions', role: 'group', 'aria-label': 'Run actions' });
  const io = h('div', { class: 'io' });
  const timelineBox = h('div');
  const approvalsBox = h('div');
  const childrenBox = h('div');
  const costBox = h('div');
  const transcriptBox = h('section', { 'aria-labelledby': 'transcript-title', hidden: true });

  /** @type {any[]} */
  let steps = [];
  const render = async () => {
    const [run, timeline, cost, approvals, children] = await Promise.all([
      client.runs.get(id),
      client.runs.timeline(id),
      client.runs.cost(id),
      client.approvals.list({ runId: id, limit: 50 }),
      client.runs.children(id),
    ]);
    steps = timeline.entries.filter((/** @type {any} */ e) => e.type === 'step');
    replace(summary, h('dl', { class: 'facts' },
      fact('Workflow', run.workflow), fact('Phase', badge(run.phase)),
      run.state ? fact('State', badge(run.state)) : null, fact('Status', badge(run.status)), fact('Tenant', run.tenantId),
      fact('Business key', run.businessKey ? h('a', { href: `#/runs?key=${encodeURIComponent(run.businessKey)}` }, run.businessKey) : '—'), fact('Idempotency key', run.idempotencyKey ?? '—'), fact('Started by', run.createdBy), fact('Created', when(run.createdAt)),
      fact('Completed', when(run.completedAt)), fact('Version', run.appVersion ?? '—'),
      run.forkedFrom ? fact('Forked from', h('a', { href: `#/runs/${encodeURIComponent(run.forkedFrom)}` }, run.forkedFrom)) : null,
      run.parentRunId ? fact('Parent run', h('a', { href: `#/runs/${encodeURIComponent(run.parentRunId)}`, 'data-testid': 'parent-run' }, run.parentRunId)) : null));
    replace(actions,
      CANCELLABLE.has(run.status) ? h('button', { type: 'button', class: 'danger', onclick: () => void cancel(run) }, 'Cancel run') : null,
      RESUMABLE.has(run.status) ? h('button', { type: 'button', onclick: () => void resume(run) }, 'Resume run') : null,
      steps.length > 0 ? h('button', { type: 'button', onclick: () => void fork(run) }, 'Fork from a step…') : null);
    replace(io,
      h('section', { 'aria-labelledby': 'input-title' }, h('h2', { id: 'input-title' }, 'Input'), json(run.input, 'Run input')),
      h('section', { 'aria-labelledby': 'output-title' }, h('h2', { id: 'output-title' }, run.error ? 'Error' : 'Output'),
        run.error ? json(run.error, 'Run error') : json(run.output, 'Run output')));
    replace(timelineBox, timelineTable(timeline.entries, cost.calls));
    replace(approvalsBox, approvals.approvals.length === 0 ? null : table('Approvals of this run', ['Title', 'Status', 'Requested', 'Decided by', 'Value'],
      approvals.approvals.map((/** @type {any} */ a) => [
        a.status === 'pending' ? h('a', { href: '#/approvals' }, a.title) : a.title, badge(a.status), when(a.createdAt), a.decidedBy ?? '—',
        a.value === null || a.value === undefined ? '—' : h('code', null, JSON.stringify(a.value))])));
    replace(childrenBox, childrenTable(children.children));
    replace(costBox, costSummary(cost));
    return run;
  };

  /** @param {any} run */
  const cancel = async (run) => {
    const ok = await confirmDialog({ title: 'Cancel this run?', body: h('p', null, `Run ${run.id} stops at its next step; its pending approvals and waits are cancelled. Registered compensations undo its calls.`), confirm: 'Cancel run', danger: true });
    if (ok && (await act(async () => (await client.runs.cancel(id), 'Run cancelled')))) await refresh();
  };
  /** @param {any} run */
  const resume = async (run) => {
    const ok = await confirmDialog({ title: 'Resume this run?', body: h('p', null, `Run ${run.id} continues from its last checkpoint; steps already recorded are not run again.`), confirm: 'Resume run' });
    if (ok && (await act(async () => (await client.runs.resume(id), 'Run resumed')))) await refresh();
  };
  /** @param {any} run */
  const fork = async (run) => {
    const choose = /** @type {HTMLSelectElement} */ (h('select', { id: 'fork-step' },
      steps.map((s) => h('option', { value: String(s.stepId) }, `${s.stepId}: ${s.name}`))));
    const ok = await confirmDialog({
      title: 'Fork this run?',
      body: h('p', null, `A new run re-executes ${run.workflow} from the chosen step; the steps before it are copied from this run, tool calls already made are answered from the ledger.`),
      extra: h('div', { class: 'field' }, h('label', { for: 'fork-step' }, 'Start again from step'), choose),
      confirm: 'Fork run',
    });
    if (!ok) return;
    try {
      const forked = await client.runs.fork(id, { fromStep: Number(choose.value) });
      location.hash = `#/runs/${encodeURIComponent(forked.id)}`;
    } catch (e) {
      announce(e instanceof Error ? e.message : String(e), 'error');
    }
  };

  let run = await render();
  replace(main, heading, summary, actions, io,
    h('section', { 'aria-labelledby': 'timeline-title' }, h('h2', { id: 'timeline-title' }, 'Timeline'), timelineBox),
    approvalsBox,
    childrenBox,
    h('section', { 'aria-labelledby': 'cost-title' }, h('h2', { id: 'cost-title' }, 'Model cost'), costBox),
    transcriptBox);
  void showTranscript(id, transcriptBox);

  const refresh = async () => {
    run = await render();
  };
  const timer = setInterval(() => {
    if (!FINISHED.has(run.status) && document.visibilityState === 'visible' && !document.querySelector('dialog[open]')) void refresh().catch(() => {});
  }, REFRESH_MS);
  return () => clearInterval(timer);
}

/**
 * The runs this one started (`startChildren`), each linking to its page; a child the concurrency
 * cap still holds back says so.
 * @param {any[]} children
 */
function childrenTable(children) {
  if (children.length === 0) return null;
  const ended = children.filter((c) => c.endedAt !== null).length;
  return h('section', { 'aria-labelledby': 'children-title' },
    h('h2', { id: 'children-title' }, `Child runs (${ended} of ${children.length} ended)`),
    table('Child runs of this run', ['Child run', 'Workflow', 'Phase', 'Status', 'Position', 'Ended'],
      children.map((c) => [
        h('a', { href: `#/runs/${encodeURIComponent(c.id)}`, class: 'mono' }, c.id), c.workflow, badge(c.phase),
        c.held ? badge('held') : badge(c.parked ? 'parked' : c.status), String(c.position), when(c.endedAt)])));
}

/** @param {string} term @param {any} value */
function fact(term, value) {
  return [h('dt', null, term), h('dd', null, value)];
}

/**
 * Steps, events and tool calls from the timeline, with the model calls of the cost ledger put
 * in at their time (the `model_called` events say the same, less fully).
 * @param {any[]} entries @param {any[]} modelCalls
 */
function timelineTable(entries, modelCalls) {
  const rows = [
    ...entries.filter((e) => !(e.type === 'event' && e.name === 'model_called')).map((e) => ({ at: e.at, e })),
    ...modelCalls.map((m) => ({ at: m.createdAt, e: { type: 'model_call', ...m } })),
  ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return table('Timeline, oldest first', ['Time', 'Kind', 'What', 'Details'], rows.map(({ at, e }) => [when(at), kindOf(e), whatOf(e), detailsOf(e)]));
}

/** @param {any} e */
function kindOf(e) {
  if (e.type === 'model_call') return 'model call';
  if (e.type === 'tool_call') return 'tool call';
  if (e.type === 'step') return `step ${e.stepId}`;
  if (e.toPhase) return 'phase';
  if (e.name === 'state_changed' || e.name === 'state_refused') return 'state';
  if (/compensat/.test(e.name)) return 'compensation';
  if (/approval/.test(e.name)) return 'approval';
  return 'event';
}

/** @param {any} e */
function whatOf(e) {
  if (e.type === 'model_call') return `${e.name} (${e.provider} ${e.model})`;
  if (e.type === 'event' && (e.name === 'state_changed' || e.name === 'state_refused')) {
    const d = e.data ?? {};
    return [d.from ? badge(d.from) : null, d.from ? ' → ' : null, badge(d.to ?? '?'), e.name === 'state_refused' ? ' (refused)' : null];
  }
  if (e.type === 'event' && e.toPhase) return [e.fromPhase ? badge(e.fromPhase) : null, e.fromPhase ? ' → ' : null, badge(e.toPhase), e.name !== 'phase_changed' ? ` (${e.name})` : null];
  return e.name;
}

/** @param {any} e */
function detailsOf(e) {
  if (e.type === 'model_call') {
    return h('span', null, badge(e.status), ` ${e.inputTokens ?? '—'} in / ${e.outputTokens ?? '—'} out tokens · cost ${money(e.cost)}`,
      e.latencyMs !== null ? ` · ${e.latencyMs} ms` : '', e.attempt > 1 ? ` · attempt ${e.attempt}` : '');
  }
  if (e.type === 'tool_call') {
    const d = e.data ?? {};
    return h('span', null, badge(d.status ?? '?'), ` ${d.effect ?? ''}, ${d.attempts ?? 0} attempt(s)`, d.idempotent ? ', idempotent' : '',
      e.error ? h('span', { class: 'error' }, ` · ${e.error.message ?? ''}`) : null,
      d.resolution ? h('span', null, ` · resolved: ${JSON.stringify(d.resolution)}`) : null);
  }
  if (e.type === 'step') return e.error ? h('span', { class: 'error' }, e.error.message ?? 'failed') : e.childRunId ? h('a', { href: `#/runs/${encodeURIComponent(e.childRunId)}` }, e.childRunId) : '';
  return [e.actor ? `by ${e.actor}` : null, e.reason ? ` · ${e.reason}` : null, e.data && Object.keys(e.data).length > 0 ? h('code', { class: 'small' }, ` ${JSON.stringify(e.data)}`) : null];
}

/** @param {any} cost */
function costSummary(cost) {
  const t = cost.totals;
  if (t.calls === 0) return h('p', null, 'This run made no model calls.');
  return h('p', null, `${t.calls} call(s), ${t.attempts} attempt(s): ${t.inputTokens} input and ${t.outputTokens} output tokens; cost ${money(t.cost)}`,
    t.unpricedAttempts ? ` (${t.unpricedAttempts} attempt(s) of unpriced models not counted)` : '');
}

/**
 * An agent run's transcript (`GET /v1/runs/{id}/transcript`), first page; the section stays
 * hidden for a run without one (no messages) or a server without the endpoint (404).
 * @param {string} id @param {HTMLElement} box
 */
async function showTranscript(id, box) {
  try {
    const t = await client.runs.transcript(id, { limit: 200 });
    const messages = Array.isArray(t?.messages) ? t.messages : [];
    if (messages.length === 0) {
      box.hidden = true;
      return;
    }
    replace(box, h('h2', { id: 'transcript-title' }, 'Transcript'),
      h('ol', { class: 'transcript', 'aria-label': 'Transcript, oldest first' }, messages.map((/** @type {any} */ m) => h('li', null,
        h('strong', null, `${m.kind === 'summary' ? 'summary' : m.role}${m.thread && m.thread !== 'main' ? ` (${m.thread})` : ''}: `),
        m.provenance ? h('span', { class: 'badge', title: 'Content from outside the workflow: the model was told it is untrusted' }, `untrusted: ${m.provenance.source} `) : '',
        ...transcriptContent(m.content)))),
      t.nextCursor ? h('p', null, 'Older turns continue beyond this page.') : '');
    box.hidden = false;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
    box.hidden = true;
  }
}

/**
 * A model message's content: text as text, tool calls and results as the tool, its arguments
 * or output.
 * @param {unknown} content @returns {(string | HTMLElement)[]}
 */
function transcriptContent(content) {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [h('code', null, JSON.stringify(content))];
  return content.map((/** @type {any} */ part) => {
    if (part?.type === 'text') return h('span', null, String(part.text ?? ''));
    if (part?.type === 'tool-call') return h('code', null, `→ ${part.toolName}(${JSON.stringify(part.input ?? part.args ?? {})})`);
    if (part?.type === 'tool-result') return h('code', null, `← ${part.toolName}: ${JSON.stringify(part.output ?? part.result ?? null)}`);
    return h('code', null, JSON.stringify(part));
  });
}
