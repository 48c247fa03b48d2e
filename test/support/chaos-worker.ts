/**
 * A chaos worker process: Waymark with the chaos workflow against DATABASE_URL (tables are
 * created by the orchestrator), prints READY <executorId>, and runs until killed.
 */
import { startWaymark, type Waymark } from '../../src/index.js';
import { guardUnhandledClientErrors } from './chaos-pg-guard.js';
import { chaosWorkflows } from './chaos-workflows.js';

const ref: { waymark?: Waymark } = {};
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
