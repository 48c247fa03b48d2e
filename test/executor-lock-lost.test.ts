/**
 * A worker that loses its executor lock to another process stops itself and says so; the
 * library never exits its host, only the CLI turns it into an exit code. The lock is taken
 * away deterministically: a test connection queues on the advisory lock, then the worker's lock
 * connection is terminated, so the queued session gets the lock before the worker can take it
 * back.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import type { WaymarkError } from '../src/index.js';
import { beforeLaunch, workflows } from './fixtures/workflows.js';
import { createTestDatabase, dropTestDatabase, spawnWorker, startTestWaymark, waitFor } from './helpers.js';

/** Queues `holder` on the worker's executor lock, then cuts the worker's lock connection. */
async function stealExecutorLock(url: string, executorId: string): Promise<pg.Client> {
  const holder = new pg.Client({ connectionString: url, application_name: 'test-lock-thief' });
  await holder.connect();
  const taken = holder.query(`SELECT pg_advisory_lock(hashtextextended('waymark.executor:' || $1::text, 0))`, [executorId]);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await waitFor('the thief to queue on the lock', async () =>
      (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'test-lock-thief' AND wait_event_type = 'Lock'`)).rowCount === 1);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'waymark-executor-lock' AND datname = current_database()`);
    await taken;
    return holder;
  } finally {
    await admin.end();
  }
}

test('an embedded worker that loses its executor lock stops, logs it and calls onFatal; the host process lives on', async () => {
  const url = await createTestDatabase('lock_lib');
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } }));
  let fatal: WaymarkError | undefined;
  const w = await startTestWaymark(url, { workflows, beforeLaunch, logger, http: false, onFatal: (e) => (fatal = e) });
  const thief = await stealExecutorLock(url, w.executorId!);
  try {
    await waitFor('onFatal', () => Promise.resolve(fatal));
    assert.equal(fatal!.code, 'executor_lock_lost');
    assert.ok(lines.some((l) => /"code":"executor_lock_lost"/.test(l)), 'a log line says why the worker stopped');
    // The worker lets go of everything: its lease is released and its pool is closed.
    await waitFor('the lease released', async () => (await thief.query(`SELECT status FROM waymark.workers WHERE executor_id = $1`, [w.executorId])).rows[0]?.status === 'stopped');
    await waitFor('the pool closed', () => w.pool.query('SELECT 1').then(() => false, (e: Error) => /pool/i.test(e.message)));
  } finally {
    await thief.end();
    await w.stop();
    await dropTestDatabase(url);
  }
});

test('the waymark worker command turns a lost executor lock into exit code 70', async () => {
  const url = await createTestDatabase('lock_cli');
  const worker = await spawnWorker(url, {}, { args: ['src/cli.ts', 'worker', '--workflows', 'test/fixtures/workflows.ts'], ready: /executor:\s+(\S+)/ });
  let thief: pg.Client | undefined;
  try {
    thief = await stealExecutorLock(url, worker.executorId);
    assert.equal(await worker.exited, 70, worker.output());
    assert.match(worker.output(), /error \[executor_lock_lost\]/);
  } finally {
    worker.child.kill('SIGKILL');
    await thief?.end();
    await dropTestDatabase(url);
  }
});
