// @ts-check
/**
 * Schedules: the tenant's cron schedules (declared in code or made over the API), when each
 * fires next, what its last tick started or why it started nothing, and pause / resume, each
 * confirmed in a dialog. Runs a schedule started are listed by following "Last run".
 */
import { client } from '../api.js';
import { h, replace, table, badge, when, confirmDialog, act } from '../dom.js';

/** @param {HTMLElement} main @param {{ roles: string[] }} me */
export async function schedulesPage(main, me) {
  const list = h('div', { id: 'schedule-list' });
  // Pausing needs the operate permission; a viewer sees the list without the buttons.
  const mayOperate = me.roles.some((r) => r === 'operator' || r === 'admin');

  const refresh = async () => {
    const { schedules } = await client.schedules.list();
    replace(list, table('Schedules', ['Name', 'Workflow', 'Cron', 'State', 'Next tick', 'Last tick', 'Last run', ...(mayOperate ? ['Action'] : [])],
      schedules.map((/** @type {any} */ s) => [
        h('span', null, s.name, s.declared ? h('span', { class: 'help' }, ' (in code)') : null),
        s.workflow,
        h('span', null, h('code', null, s.cron), ` ${s.timezone}`),
        h('span', null, badge(s.paused ? 'paused' : 'active'), s.lastError ? h('span', { class: 'help' }, ` ${s.lastError}`) : null),
        when(s.nextTickAt),
        s.lastTickAt ? when(s.lastTickAt) : '—',
        s.lastRunId ? h('a', { href: `#/runs/${encodeURIComponent(s.lastRunId)}` }, s.lastRunId) : '—',
        ...(mayOperate ? [s.paused
          ? h('button', { type: 'button', onclick: () => void resume(s.name) }, `Resume ${s.name}`)
          : h('button', { type: 'button', onclick: () => void pause(s.name) }, `Pause ${s.name}`)] : []),
      ])));
  };
  /** @param {string} name */
  const pause = async (name) => {
    const ok = await confirmDialog({ title: `Pause schedule ${name}?`, body: h('p', null, 'No run starts while it is paused; resuming it goes on from the next tick, without the ones missed meanwhile.'), confirm: 'Pause schedule' });
    if (ok && (await act(async () => (await client.schedules.pause(name), `Schedule ${name} paused`)))) await refresh();
  };
  /** @param {string} name */
  const resume = async (name) => {
    const ok = await confirmDialog({ title: `Resume schedule ${name}?`, body: h('p', null, 'It starts runs again from its next tick.'), confirm: 'Resume schedule' });
    if (ok && (await act(async () => (await client.schedules.resume(name), `Schedule ${name} resumed`)))) await refresh();
  };

  await refresh();
  replace(main, h('h1', null, 'Schedules'), list);
}
