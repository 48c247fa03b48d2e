/**
 * @module app/crash-test/worker
 * The worker process `waymark crash-test` runs a workflow in. It installs the crash probe,
 * loads the application's workflows module and prints `LOADED`; it is spawned ahead of need,
 * so loading overlaps the run before. Then it reads one line of JSON on stdin — the scratch
 * database and the probe's plan, which may tell it to SIGKILL itself at one point of the run
 * under test — starts a Waymark worker there and prints `READY <executor>`. Every outgoing fetch
 * that is not GET/HEAD/OPTIONS is reported to the harness's recording endpoint before it is sent.
 *
 *   node crash-test/worker.js app/workflows.js   <<< '{"databaseUrl":"postgresql://…","probe":{"runId":"…","killAt":3,"logFile":"…"},"httpRecorder":"http://127.0.0.1:…/record"}'
 */
import { createInterface } from 'node:readline';
import { createLogger } from '../../logger.js';
import { startWaymark } from '../start-waymark.js';
import { loadWorkflowsModule } from '../workflows-module.js';
import { recordOutgoingFetch } from './http-recorder.js';
import { instrumentCrashPoints, type ProbePlan } from './probe.js';

/** What the harness sends the worker once it is loaded. */
export interface CrashWorkerStart {
  databaseUrl: string;
  probe: ProbePlan;
  /** The harness's endpoint outgoing HTTP requests are recorded at. */
  httpRecorder: string;
}

// Before the module loads: its decorators register steps through the wrapped DBOS API.
const plan = instrumentCrashPoints();
const http = recordOutgoingFetch();
const mod = await loadWorkflowsModule(process.argv[2]);
console.log('LOADED');
const lines = createInterface({ input: process.stdin });
const first = await new Promise<string>((resolve) => lines.once('line', resolve));
lines.close();
const start = JSON.parse(first) as CrashWorkerStart;
plan.set(start.probe);
http.set({ endpoint: start.httpRecorder, runId: start.probe.runId });
const waymark = await startWaymark({
  workflows: mod.workflows, beforeLaunch: mod.beforeLaunch, logger: createLogger('warn'), config: { databaseUrl: start.databaseUrl },
});
process.on('SIGTERM', () => {
  void waymark.stop().then(() => process.exit(0));
});
console.log(`READY ${waymark.executorId ?? '-'}`);
