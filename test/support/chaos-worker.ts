/**
 * A chaos worker process: WaymarkServer with the chaos workflow against DATABASE_URL (tables are
 * created by the orchestrator), prints READY <executorId>, and runs until killed.
 */
import { startWaymark } from '../../src/server.js';
import type { WaymarkServer } from '../../src/server.js';
import { guardUnhandledClientErrors } from './chaos-pg-guard.js';
import { chaosWorkflows } from './chaos-workflows.js';

const ref: { waymark?: WaymarkServer } = {};
// Name the client that crashes this process when Postgres restarts (the crash still happens).
guardUnhandledClientErrors({
  swallow: false,
  owner: (c) => ((ref.waymark?.pool as any)?._clients?.includes(c) ? "Waymark's pool (waymark.pool)" : 'not waymark.pool'),
  onError: (e) => console.log(`CHAOS unhandled pg client error ${e.code} (${e.message}) on a client of ${e.owner}; its last statement: ${e.lastQuery}`),
});

const waymark = await startWaymark({ workflows: chaosWorkflows, http: false });
ref.waymark = waymark;
process.on('SIGTERM', () => {
  void waymark.stop().then(() => process.exit(0));
});
console.log(`READY ${waymark.executorId ?? '-'} ${process.pid}`);
