// @ts-check
/**
 * In-doubt tool calls: a write whose outcome was never recorded. The person checks with the
 * provider and says what happened: it happened (with its result, which the run continues
 * with) or it did not (the run calls the tool again, with the same idempotency key).
 */
import { client } from '../api.js';
import { h, replace, json, when, act, confirmDialog } from '../dom.js';

/** @param {HTMLElement} main */
export async function inDoubtPage(main) {
  const list = h('div', { class: 'cards' });
  const load = async () => {
    const { toolCalls } = await client.toolCalls.byStatus({ status: 'in_doubt' });
    replace(list, toolCalls.length === 0 ? h('p', null, 'No tool call is in doubt.') : toolCalls.map((/** @type {any} */ c) => callCard(c, load)));
  };
  await load();
  replace(main, h('h1', null, 'In-doubt tool calls'),
    h('p', { class: 'help' }, 'These calls started but their outcome was never recorded, and the tool cannot be asked again safely. Check with the provider, then say what happened.'),
    list);
}

/** @param {any} c @param {() => Promise<void>} reload */
function callCard(c, reload) {
  const prefix = `tc-${c.stepId}-${c.runId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const output = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: `${prefix}-output`, rows: '4', class: 'mono', spellcheck: 'false' }));
  output.value = '{}';
  const comment = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: `${prefix}-comment`, rows: '2', maxlength: '2000' }));

  /** @param {boolean} happened */
  const resolve = async (happened) => {
    let result;
    if (happened) {
      try {
        result = JSON.parse(output.value);
      } catch {
        await act(async () => { throw new Error('The result is not valid JSON'); });
        output.focus();
        return;
      }
    }
    const ok = await confirmDialog({
      title: happened ? 'Record that the call happened?' : 'Record that the call did not happen?',
      body: h('p', null, happened ? `The run continues with this result; ${c.tool} is not called again.` : `The run calls ${c.tool} again, with the same idempotency key.`),
      confirm: happened ? 'It happened' : 'It did not happen',
    });
    if (!ok) return;
    const note = comment.value.trim();
    if (await act(async () => {
      await client.toolCalls.resolve(c.runId, c.key, happened ? { happened: true, output: result, ...(note ? { comment: note } : {}) } : { happened: false, ...(note ? { comment: note } : {}) });
      return `${c.tool}: recorded as ${happened ? 'happened' : 'not happened'}`;
    })) await reload();
  };

  const titleId = `${prefix}-title`;
  return h('article', { class: 'card', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, c.tool),
    h('p', null, 'Run ', h('a', { href: `#/runs/${encodeURIComponent(c.runId)}` }, c.runId), ` · step ${c.stepId} · ${c.effect}, ${c.attempts} attempt(s) · started ${when(c.startedAt ?? c.createdAt)}`),
    h('p', null, 'Idempotency key: ', h('code', null, c.key)),
    h('h3', null, 'The call'), json(c.args, `Arguments of ${c.tool}`),
    h('h3', null, 'What the provider said'), c.lastError ? json(c.lastError, `Last error of ${c.tool}`) : h('p', null, 'Nothing: the call never returned.'),
    h('div', { class: 'field' }, h('label', { for: `${prefix}-output` }, 'Result, if it happened (JSON)'), output),
    h('div', { class: 'field' }, h('label', { for: `${prefix}-comment` }, 'Comment ', h('span', { class: 'optional' }, '(optional)')), comment),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', onclick: () => void resolve(true) }, 'It happened'),
      h('button', { type: 'button', onclick: () => void resolve(false) }, 'It did not happen')));
}
