// @ts-check
/**
 * Circuit breakers of tools: which dependencies are down, since when, when the next probe goes
 * out, and how many of this tenant's calls wait. Breakers are shared by every tenant, so only
 * operators of the installation's own tenant may reset one or force it open.
 */
import { client } from '../api.js';
import { h, replace, table, when, act, badge, confirmDialog } from '../dom.js';

/** @param {HTMLElement} main */
export async function breakersPage(main) {
  const list = h('div');
  const load = async () => {
    const { breakers } = await client.breakers.list();
    replace(list, breakers.length === 0
      ? h('p', null, 'No tool declares a circuit breaker.')
      : table('Circuit breakers', ['Breaker', 'State', 'Failures', 'Open since', 'Next probe', 'Waiting calls', 'Escalated', 'Last error', ''],
        breakers.map((/** @type {any} */ b) => [
          h('code', null, b.name), badge(b.forced ? 'forced open' : b.state), b.failures, b.openedAt ? when(b.openedAt) : '—',
          b.nextProbeAt ? when(b.nextProbeAt) : '—', b.waitingCalls, b.escalatedAt ? when(b.escalatedAt) : '—', b.lastError?.message ?? '—',
          actions(b, load),
        ])));
  };
  await load();
  replace(main, h('h1', null, 'Circuit breakers'),
    h('p', { class: 'help' }, 'A breaker opens after repeated transient failures of its dependency: calls then wait without spending attempts, and one call probes at each probe time.'),
    list);
}

/** @param {any} b @param {() => Promise<void>} reload */
function actions(b, reload) {
  /** @param {'closed' | 'open'} state */
  const change = async (state) => {
    const ok = await confirmDialog({
      title: state === 'closed' ? `Reset ${b.name}?` : `Force ${b.name} open?`,
      body: h('p', null, state === 'closed'
        ? 'Calls go through again at once, in every tenant; the waiting calls are woken.'
        : 'Calls wait, in every tenant, and no probe goes out until someone resets it.'),
      confirm: state === 'closed' ? 'Reset' : 'Force open', danger: state === 'open', reason: 'Reason (optional, recorded)',
    });
    if (!ok) return;
    if (await act(async () => (await client.breakers.reset(b.name, { state, ...(ok.reason ? { reason: ok.reason } : {}) }), state === 'closed' ? 'Breaker reset' : 'Breaker forced open'))) await reload();
  };
  return h('div', { class: 'actions' },
    b.state !== 'closed' ? h('button', { type: 'button', class: 'primary', onclick: () => void change('closed') }, 'Reset') : null,
    b.forced ? null : h('button', { type: 'button', class: 'danger', onclick: () => void change('open') }, 'Force open…'));
}
