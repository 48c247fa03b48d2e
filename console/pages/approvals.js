// @ts-check
/**
 * The approvals inbox: what the signed-in key may decide now. Each approval shows its
 * proposal; when reviewers may edit it, a form made from its edit schema (JSON Schema) with a
 * live preview of the changes; then approve or reject.
 */
import { client } from '../api.js';
import { h, replace, json, when, badge, act } from '../dom.js';
import { schemaForm, diff, diffView } from '../schema-form.js';

/** @param {HTMLElement} main */
export async function approvalsPage(main) {
  const list = h('div', { class: 'cards' });
  const load = async () => {
    const { approvals } = await client.approvals.inbox({ limit: 50 });
    replace(list, approvals.length === 0 ? h('p', null, 'Nothing waits for your decision.') : approvals.map((/** @type {any} */ a) => approvalCard(a, load)));
  };
  await load();
  replace(main, h('h1', null, 'Approvals'), h('p', { class: 'help' }, 'Approvals you may decide, oldest first.'), list);
}

/** @param {any} a @param {() => Promise<void>} reload */
function approvalCard(a, reload) {
  const prefix = `ap-${a.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const proposal = a.proposal;
  const fields = a.editSchema?.properties ? Object.keys(a.editSchema.properties) : [];
  const start = proposal !== null && typeof proposal === 'object' ? Object.fromEntries(fields.filter((k) => k in proposal).map((k) => [k, proposal[k]])) : proposal;
  const form = a.editSchema ? schemaForm(a.editSchema, start, prefix) : null;
  const preview = h('div', { id: `${prefix}-diff`, 'aria-live': 'polite' });
  const comment = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: `${prefix}-comment`, rows: '2', maxlength: '5000' }));

  /** The fields the reviewer changed, or undefined when none. */
  const edits = () => {
    if (!form) return undefined;
    const value = /** @type {Record<string, unknown>} */ (form.read());
    if (proposal === null || typeof proposal !== 'object') return JSON.stringify(value) === JSON.stringify(proposal) ? undefined : value;
    const changed = Object.fromEntries(Object.entries(value).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(proposal[k])));
    return Object.keys(changed).length > 0 ? changed : undefined;
  };
  const showDiff = () => {
    try {
      const e = edits();
      const after = e === undefined ? proposal : typeof proposal === 'object' && proposal !== null ? { ...proposal, ...e } : e;
      replace(preview, h('h4', null, 'Changes'), diffView(diff(proposal, after)));
    } catch (err) {
      replace(preview, h('p', { class: 'error' }, err instanceof Error ? err.message : String(err)));
    }
  };
  form?.onInput(showDiff);
  if (form) showDiff();

  /** @param {'approve' | 'reject'} decision */
  const decide = async (decision) => {
    const ok = await act(async () => {
      const e = decision === 'approve' ? edits() : undefined;
      await client.approvals.decide(a.id, {
        decision, ...(e !== undefined ? { edits: e } : {}), ...(comment.value.trim() ? { comment: comment.value.trim() } : {}),
      });
      return `${a.title}: ${decision === 'approve' ? (e ? 'approved with edits' : 'approved') : 'rejected'}`;
    });
    if (ok) await reload();
  };

  const titleId = `${prefix}-title`;
  return h('article', { class: 'card', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, a.title),
    h('p', null, 'Run ', h('a', { href: `#/runs/${encodeURIComponent(a.runId)}` }, a.runId), ' · requested ', when(a.createdAt),
      a.deadlineAt ? ` · deadline ${when(a.deadlineAt)} (then ${a.deadlineOutcome ?? 'reject'})` : '', ' · ', badge(a.status)),
    h('h3', null, 'Proposal'), json(proposal, `Proposal of ${a.title}`),
    form ? h('fieldset', null, h('legend', null, 'Edit before approving'), form.element, preview) : null,
    h('div', { class: 'field' }, h('label', { for: `${prefix}-comment` }, 'Comment ', h('span', { class: 'optional' }, '(optional)')), comment),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', onclick: () => void decide('approve') }, 'Approve'),
      h('button', { type: 'button', class: 'danger', onclick: () => void decide('reject') }, 'Reject')));
}
