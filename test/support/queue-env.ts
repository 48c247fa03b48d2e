/**
 * The environment of the queue-control tests: this process serves the API and starts runs
 * (it executes none); worker processes the test spawns into `workers` execute them. The
 * workers are killed, and the fixtures' pool closed, before the test database goes.
 */
import { after } from 'node:test';
import { useFixtureEnv, type FixtureEnv } from '../fixture-env.js';
import { closeQueueFixtures, queueBeforeLaunch, queueWorkflows } from '../fixtures/queue-workflows.js';
import { killWorker, type WorkerProcess } from '../helpers.js';

/** Call at the top level of a test file, before any other `after` hook that needs the database. */
export function useQueueEnv(name: string): { env: FixtureEnv; workers: WorkerProcess[] } {
  const workers: WorkerProcess[] = [];
  // Registered before the environment's own hook, so the workers stop before their database goes.
  after(async () => {
    if (process.env.QUEUE_TEST_DEBUG) for (const w of workers) console.log(w.output());
    for (const w of workers) await killWorker(w);
    await closeQueueFixtures();
  });
  const env = useFixtureEnv(name, { poolSize: 4, waymark: { workflows: queueWorkflows, beforeLaunch: queueBeforeLaunch, worker: false } });
  return { env, workers };
}
