// @ts-check
/**
 * Dead letters: runs that failed for good. Why (the error, the failing step, the tool that
 * gave up), then retry from the failing step (a fork) or discard with a reason.
 */
import { client } from '../api.js';
import { h, replace, json, when, act, badge, confirmDialog } from '../dom.js';

/** @param {HTMLElement} main */
export async function deadLettersPage(main) {
  const list = h('div', { class: 'cards' });
  const load = async () => {
    const { deadLetters } = await client.deadLetters.list({ status: 'open', limit: 50 });
    replace(list, deadLetters.length === 0 ? h('p', null, 'No open dead letters.') : deadLetters.map((/** @type {any} */ d) => letterCard(d, load)));
  };
  await load();
  replace(main, h('h1', null, 'Dead letters'), h('p', { class: 'help' }, 'Runs that failed for good and wait for a decision.'), list);
}

/** @param {any} d @param {() => Promise<void>} reload */
function letterCard(d, reload) {
  const enc = encodeURIComponent(d.runId);
  const retry = async () => {
    const ok = await confirmDialog({
      title: 'Retry this run?',
      body: h('p', null, `A new run of ${d.workflow} starts from step ${d.retryFromStep}${d.failingStep ? ` (${d.failingStep.name})` : ''}; the steps before it are copied.`),
      confirm: 'Retry', reason: 'Reason (optional, recorded)',
    });
    if (!ok) return;
    if (await act(async () => {
      const r = await client.deadLetters.retry(d.runId, { fromStep: d.retryFromStep, ...(ok.reason ? { reason: ok.reason } : {}) });
      return `Retried as run ${r.retryRunId ?? ''}`;
    })) await reload();
  };
  const discard = async () => {
    const ok = await confirmDialog({ title: 'Discard this dead letter?', body: h('p', null, 'The run stays failed and leaves this list.'), confirm: 'Discard', danger: true, reason: 'Why is it discarded?' });
    if (!ok) return;
    if (await act(async () => (await client.deadLetters.discard(d.runId, { reason: ok.reason }), 'Dead letter discarded'))) await reload();
  };
  const titleId = `dl-${d.runId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const tool = d.toolFailure;
  return h('article', { class: 'card', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, d.workflow, ' ', badge(d.cause)),
    h('p', null, 'Run ', h('a', { href: `#/runs/${enc}` }, d.runId), ` · failed ${when(d.createdAt)} · ${d.recoveryAttempts} recovery attempt(s), ${d.toolAttempts} tool attempt(s)`),
    h('h3', null, 'Why'),
    d.error ? json(d.error, 'Error of the run') : null,
    d.failingStep ? h('p', null, `Failing step ${d.failingStep.id}: ${d.failingStep.name}`) : null,
    tool ? h('p', null, `Tool ${tool.tool ?? '?'} gave up (${tool.cause ?? tool.reason ?? 'failed'}) after ${tool.attempts ?? '?'} attempt(s)`, tool.lastError ? `: ${tool.lastError.message}` : '') : null,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', onclick: () => void retry() }, `Retry from step ${d.retryFromStep}`),
      h('button', { type: 'button', class: 'danger', onclick: () => void discard() }, 'Discard…')));
}
