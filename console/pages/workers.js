// @ts-check
/**
 * Workers (their leases and runs) and application versions (what runs under each). These span
 * every tenant, so only admins of the installation's own tenant see them.
 */
import { client, ApiError } from '../api.js';
import { h, replace, table, when, badge } from '../dom.js';

/** @param {HTMLElement} main */
export async function workersPage(main) {
  try {
    const [{ workers }, { versions }] = await Promise.all([client.workers(), client.versions()]);
    replace(main, h('h1', null, 'Workers and versions'),
      table('Workers', ['Executor', 'Status', 'Version', 'Host / pid', 'Heartbeat', 'Lease until', 'Executing', 'Adopted by'],
        workers.map((/** @type {any} */ w) => [h('code', null, w.executorId), badge(w.status), w.appVersion, `${w.host} / ${w.pid}`, when(w.heartbeatAt), when(w.leaseExpiresAt), w.pendingRuns, w.adoptedBy ?? '—'])),
      table('Application versions', ['Version', 'Queued', 'Executing', 'Live workers'],
        versions.map((/** @type {any} */ v) => [v.appVersion, v.queued, v.executing, v.liveWorkers.join(', ') || '—'])));
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 403)) throw e;
    replace(main, h('h1', null, 'Workers and versions'), h('p', null, "Workers and versions span every tenant: only admins of the installation's own tenant see them."));
  }
}
