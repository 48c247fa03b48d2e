/**
 * Phase rules and the audit trail: `waymark.change_phase` records allowed transitions and
 * refuses the rest, `run_events` is append-only, `waymark.run_history` is a plain-SQL view of
 * a run's steps and events that joins with business tables, forks made by DBOS get a run row,
 * and workflows started directly through DBOS are left alone.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { DocumentPipeline, createDocumentTables } from '../examples/document-pipeline.js';
import type { Knex } from 'knex';
import { NotFoundError } from '../src/index.js';
import { type RunView } from '../src/server.js';
import { changePhase } from '../src/store/runs.js';
import { Fixtures, beforeLaunch as fixtureTables, executions, workflows } from './fixtures/workflows.js';
import { waitFor } from './helpers.js';
import { useFixtureEnv } from './fixture-env.js';

const env = useFixtureEnv('audit', {
  poolSize: 4,
  waymark: {
    workflows: [...workflows, DocumentPipeline.process],
    beforeLaunch: async (ctx: { knex: Knex; databaseUrl: string }) => {
      await fixtureTables(ctx);
      await createDocumentTables(ctx.knex);
    },
  },
});

const start = async (workflow: string, input: unknown): Promise<string> => (await env.w.as({ actor: 'test' }).runs.start({ workflow, input })).run.id;
const finished = (id: string, status = 'SUCCESS'): Promise<RunView> =>
  waitFor(`run ${id} ${status}`, async () => {
    const run = await env.w.runs.get(id);
    if (run.status === 'ERROR' && status !== 'ERROR') throw new Error(`run ${id} failed: ${JSON.stringify(run.error)}`);
    return run.status === status ? run : undefined;
  });
const phaseOf = async (id: string): Promise<string | undefined> =>
  (await env.pool.query<{ phase: string }>('SELECT phase FROM waymark.runs WHERE id = $1', [id])).rows[0]?.phase;
const events = async (id: string) =>
  (await env.pool.query('SELECT id, tenant_id, kind, actor, from_phase, to_phase, reason, data FROM waymark.run_events WHERE run_id = $1 ORDER BY id', [id])).rows;
const dbosStatus = async (id: string): Promise<string | undefined> =>
  (await env.pool.query<{ status: string }>('SELECT status FROM dbos.workflow_status WHERE workflow_uuid = $1', [id])).rows[0]?.status;
const runRow = async (id: string) => (await env.pool.query('SELECT * FROM waymark.runs WHERE id = $1', [id])).rows[0];

describe('phase rules', () => {
  test('an allowed transition changes the phase and appends one event; repeating it changes nothing', async () => {
    const id = await start('test.wait-for-go', {});
    await waitFor('the run to wait for its message', async () => (await executions(env.pool, id)).s0 === 1 && (await phaseOf(id)) === 'running');
    const eventsBefore = await events(id);

    const previous = await changePhase(env.pool, id, 'waiting_for_event', 'operator', 'waiting for go', { ticket: 7 });
    assert.equal(previous, 'running');
    assert.equal(await phaseOf(id), 'waiting_for_event');
    assert.equal((await env.w.runs.get(id)).phase, 'waiting_for_event');
    const added = (await events(id)).slice(eventsBefore.length);
    assert.deepEqual(
      added.map(({ id: _id, ...e }) => e),
      [{ tenant_id: 'default', kind: 'phase_changed', actor: 'operator', from_phase: 'running', to_phase: 'waiting_for_event', reason: 'waiting for go', data: { ticket: 7 } }],
    );

    assert.equal(await changePhase(env.pool, id, 'waiting_for_event', 'operator'), null);
    assert.equal((await events(id)).length, eventsBefore.length + 1, 'no event for a phase the run is already in');

    await DBOS.send(id, 'now', 'go');
    const done = await finished(id);
    assert.equal(done.phase, 'completed', 'the run left waiting_for_event when DBOS completed it');
  });

  test('a disallowed transition raises WM001 and changes nothing', async () => {
    const id = await start('test.chain', { steps: 1 });
    await finished(id);
    const eventsBefore = await events(id);
    const rowBefore = await runRow(id);

    await assert.rejects(changePhase(env.pool, id, 'running', 'operator', 'try to revive'), (e: any) => {
      assert.equal(e.code, 'WM001');
      assert.match(e.message, /completed -> running is not allowed/);
      return true;
    });
    // Also through plain SQL, the way an operator would try it.
    await assert.rejects(env.pool.query(`SELECT waymark.change_phase($1, 'queued', 'psql', NULL, '{}', true)`, [id]), { code: 'WM001' });

    assert.deepEqual(await runRow(id), rowBefore);
    assert.deepEqual(await events(id), eventsBefore);
    assert.equal((await env.w.runs.get(id)).phase, 'completed');
  });

  test('an unknown run raises P0002 and records nothing', async () => {
    const total = async () => Number((await env.pool.query('SELECT count(*) AS n FROM waymark.run_events')).rows[0].n);
    const before = await total();
    await assert.rejects(changePhase(env.pool, 'no-such-run', 'running', 'operator'), (e: any) => {
      assert.equal(e.code, 'P0002');
      assert.match(e.message, /no-such-run does not exist/);
      return true;
    });
    assert.equal(await total(), before);
  });
});

describe('the audit trail', () => {
  test('run_events refuses UPDATE, DELETE and TRUNCATE', async () => {
    const id = await start('test.chain', { steps: 1 });
    await finished(id);
    const before = await events(id);
    assert.ok(before.length >= 3);
    const all = async () => (await env.pool.query('SELECT * FROM waymark.run_events ORDER BY id')).rows;
    const everything = await all();

    await assert.rejects(env.pool.query(`UPDATE waymark.run_events SET actor = 'mallory' WHERE run_id = $1`, [id]), (e: any) => {
      assert.equal(e.code, 'WM002');
      assert.match(e.message, /append-only \(UPDATE refused\)/);
      return true;
    });
    await assert.rejects(env.pool.query('DELETE FROM waymark.run_events WHERE run_id = $1', [id]), { code: 'WM002', message: /DELETE refused/ });
    await assert.rejects(env.pool.query('TRUNCATE waymark.run_events'), { code: 'WM002', message: /TRUNCATE refused/ });

    assert.deepEqual(await events(id), before);
    assert.deepEqual(await all(), everything);
  });

  test("run_history lists a document pipeline run's steps and events in order, joins with the documents table, and is read-only", async () => {
    const documentId = `doc-${randomUUID()}`;
    const content = 'INVOICE   no. 17\r\nAmount due: 12.50 EUR by 2024-05-01, questions to billing@example.com';
    const id = await start('document-pipeline', { documentId, fileName: 'invoice.txt', content });
    const run = await finished(id);
    const result = run.output as { documentId: string; kind: string; fields: unknown; needsReview: boolean };
    assert.equal(result.kind, 'invoice');
    assert.equal(run.tenantId, 'default');

    const { rows } = await env.pool.query(
      `SELECT tenant_id, workflow, entry_type, step_id, name, actor, to_phase, output, error
       FROM waymark.run_history WHERE run_id = $1 ORDER BY at, entry_order`,
      [id],
    );
    assert.deepEqual(
      rows.map((r) => (r.entry_type === 'step' ? `step:${r.name}` : `${r.name}:${r.to_phase ?? ''}`)),
      [
        'created:queued',
        'phase_changed:running',
        'step:read',
        'step:ocr',
        'step:classify',
        'step:extract',
        'step:validate',
        'step:store',
        'phase_changed:completed',
      ],
    );
    assert.ok(rows.every((r) => r.tenant_id === 'default' && r.workflow === 'document-pipeline'));
    const steps = rows.filter((r) => r.entry_type === 'step');
    assert.deepEqual(steps.map((s) => s.step_id), [0, 1, 2, 3, 4, 5]);
    assert.ok(steps.every((s) => s.error === null));
    // Outputs are decoded to plain JSON a SQL reader can use.
    const output = (name: string): unknown => steps.find((s) => s.name === name)?.output;
    assert.deepEqual(output('read'), { text: content, bytes: Buffer.byteLength(content) });
    assert.equal(output('ocr'), 'INVOICE no. 17\nAmount due: 12.50 EUR by 2024-05-01, questions to billing@example.com');
    assert.equal(output('classify'), 'invoice');
    assert.deepEqual(output('extract'), result.fields);
    assert.deepEqual(output('validate'), []);
    assert.deepEqual(output('store'), { id: documentId });
    const jsonPath = await env.pool.query(
      `SELECT output ->> 'bytes' AS bytes FROM waymark.run_history WHERE run_id = $1 AND name = 'read'`,
      [id],
    );
    assert.equal(jsonPath.rows[0].bytes, String(Buffer.byteLength(content)));

    // A business table joins the audit trail by run id, in plain SQL.
    const joined = await env.pool.query(
      `SELECT d.id AS document, d.kind, h.name
       FROM public.documents d JOIN waymark.run_history h ON h.run_id = d.run_id
       WHERE d.id = $1 AND h.entry_type = 'step'
       ORDER BY h.at, h.entry_order`,
      [documentId],
    );
    assert.deepEqual(joined.rows.map((r) => r.name), ['read', 'ocr', 'classify', 'extract', 'validate', 'store']);
    assert.ok(joined.rows.every((r) => r.document === documentId && r.kind === 'invoice'));

    await assert.rejects(env.pool.query(`UPDATE waymark.run_history SET name = 'forged' WHERE run_id = $1`, [id]));
    await assert.rejects(env.pool.query(`DELETE FROM waymark.run_history WHERE run_id = $1`, [id]));
    assert.equal((await env.pool.query('SELECT count(*)::int AS n FROM waymark.run_history WHERE run_id = $1', [id])).rows[0].n, rows.length);
  });

  test("a run's tenant is 'default' on the run, its events and its history", async () => {
    const id = await start('test.chain', { steps: 1 });
    await finished(id);
    assert.equal((await runRow(id)).tenant_id, 'default');
    assert.deepEqual([...new Set((await events(id)).map((e) => e.tenant_id))], ['default']);
    const tenants = await env.pool.query('SELECT DISTINCT tenant_id FROM waymark.run_history WHERE run_id = $1', [id]);
    assert.deepEqual(tenants.rows, [{ tenant_id: 'default' }]);
  });

  test('a step recorded after the steps that follow it (re-executed after a crash) keeps its place in the history', async () => {
    const id = await start('test.chain', { steps: 3 });
    await finished(id);
    // What a recv re-executed after a kill looks like: step 0 started after steps 1 and 2.
    await env.pool.query(
      `UPDATE dbos.operation_outputs SET started_at_epoch_ms = (SELECT max(completed_at_epoch_ms) FROM dbos.operation_outputs WHERE workflow_uuid = $1) + 5000
       WHERE workflow_uuid = $1 AND function_id = 0`,
      [id],
    );
    const steps = (await env.w.api('GET', `/v1/runs/${id}/timeline`)).body.entries.filter((e: any) => e.type === 'step');
    assert.deepEqual(steps.map((e: any) => e.stepId), [0, 1, 2]);
    const sql = await env.pool.query(`SELECT step_id FROM waymark.run_history WHERE run_id = $1 AND entry_type = 'step' ORDER BY at, entry_type DESC, entry_order`, [id]);
    assert.deepEqual(sql.rows.map((r) => r.step_id), [0, 1, 2], 'the documented order');
  });
});

describe('runs that DBOS creates', () => {
  test('a fork through the HTTP API gets its run row from the status trigger, with forked_from', async () => {
    const id = await start('test.chain', { steps: 3 });
    await finished(id);
    const fork = await env.w.api('POST', `/v1/runs/${id}/fork`, { fromStep: 1 });
    assert.equal(fork.status, 201, JSON.stringify(fork.body));
    const forkId: string = fork.body.id;

    const row = await runRow(forkId);
    assert.equal(row.forked_from, id);
    assert.equal(row.workflow, 'test.chain');
    assert.equal(row.tenant_id, 'default');
    assert.equal(row.created_by, 'test-admin', 'named after the operator who forked');
    assert.deepEqual(row.input, { steps: 3 });
    const done = await finished(forkId);
    assert.deepEqual(done.output, [0, 10, 20]);
    assert.equal(done.phase, 'completed');
    assert.deepEqual(await executions(env.pool, forkId), { s1: 1, s2: 1 });

    const requested = (await events(id)).filter((e) => e.kind === 'fork_requested');
    assert.deepEqual(requested.map((e) => [e.actor, e.data]), [['test-admin', { fromStep: 1, newRunId: forkId, appVersion: 'test-1' }]]);
    // The fork's audit trail starts with its creation, naming the run it was forked from.
    const [createdEvent] = await events(forkId);
    assert.deepEqual(
      { kind: createdEvent?.kind, actor: createdEvent?.actor, to: createdEvent?.to_phase, data: createdEvent?.data },
      { kind: 'created', actor: 'dbos', to: 'queued', data: { forkedFrom: id } },
    );
  });

  test('a fork made with DBOS directly also becomes a run', async () => {
    const id = await start('test.chain', { steps: 2 });
    await finished(id);
    const handle = await DBOS.forkWorkflow<number[]>(id, 1);
    assert.deepEqual(await handle.getResult(), [0, 10]);
    const forkId = handle.workflowID;
    const row = await runRow(forkId);
    assert.ok(row, 'the fork has a run row');
    assert.equal(row.forked_from, id);
    assert.equal(row.created_by, 'fork', 'made by DBOS directly: no operator to name');
    const run = await finished(forkId);
    assert.equal(run.phase, 'completed');
    assert.equal(run.forkedFrom, id);
  });

  test('a workflow started with DBOS directly gets no run row, and the trigger does not get in its way', async () => {
    const runsBefore = Number((await env.pool.query('SELECT count(*) AS n FROM waymark.runs')).rows[0].n);
    const eventsBefore = Number((await env.pool.query('SELECT count(*) AS n FROM waymark.run_events')).rows[0].n);

    const chainId = `direct-${randomUUID()}`;
    const chain = await DBOS.startWorkflow(Fixtures.chain, { workflowID: chainId })({ steps: 2 });
    assert.deepEqual(await chain.getResult(), [0, 10]);
    assert.equal(await dbosStatus(chainId), 'SUCCESS');

    // Through every status the trigger follows: PENDING, CANCELLED, ENQUEUED (resume), SUCCESS, ERROR.
    const waitId = `direct-${randomUUID()}`;
    await DBOS.startWorkflow(Fixtures.waitForGo, { workflowID: waitId })({});
    await waitFor('the direct run to wait', async () => (await executions(env.pool, waitId)).s0 === 1);
    await DBOS.cancelWorkflow(waitId);
    assert.equal(await dbosStatus(waitId), 'CANCELLED');
    const resumed = await DBOS.resumeWorkflow<unknown>(waitId);
    await waitFor('the resumed direct run to wait again', async () => (await dbosStatus(waitId)) === 'PENDING');
    await DBOS.send(waitId, 'direct', 'go');
    assert.deepEqual(await resumed.getResult(), { got: 'direct' });

    const failId = `direct-${randomUUID()}`;
    const failing = await DBOS.startWorkflow(Fixtures.alwaysFails, { workflowID: failId })({});
    await assert.rejects(failing.getResult(), /deliberate failure/);
    assert.equal(await dbosStatus(failId), 'ERROR');

    const fork = await DBOS.forkWorkflow<number[]>(chainId, 1);
    assert.deepEqual(await fork.getResult(), [0, 10]);

    const ids = [chainId, waitId, failId, fork.workflowID];
    const rows = await env.pool.query('SELECT id FROM waymark.runs WHERE id = ANY($1)', [ids]);
    assert.deepEqual(rows.rows, [], 'no run rows for workflows Waymark did not start');
    assert.equal(Number((await env.pool.query('SELECT count(*) AS n FROM waymark.runs')).rows[0].n), runsBefore);
    assert.equal(Number((await env.pool.query('SELECT count(*) AS n FROM waymark.run_events')).rows[0].n), eventsBefore);
    await assert.rejects(env.w.runs.get(chainId), (e: unknown) => e instanceof NotFoundError && e.code === 'run_not_found');
  });
});
