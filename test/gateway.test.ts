/**
 * The database gateway against a real Postgres: the tenant and statement timeout of every
 * transaction, the retries it may make (and the one it must not), SQLSTATEs as typed errors.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { DatabaseError, PhaseTransitionError } from '../src/errors.js';
import { SYSTEM_SCOPE } from '../src/scope.js';
import { Database } from '../src/store/gateway.js';
import { migrate } from '../src/store/migrate.js';
import { changePhase, insertRun } from '../src/store/runs.js';
import { createTestDatabase, dropTestDatabase } from './helpers.js';

let url: string;
let pool: pg.Pool;
let db: Database;

before(async () => {
  url = await createTestDatabase('gateway');
  await migrate(url);
  pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => {}); // the connection this test terminates on purpose
  db = new Database(pool, { statementTimeoutMs: 2_000 });
  await pool.query('CREATE TABLE gateway_probe (id serial PRIMARY KEY, note text NOT NULL)');
});
after(async () => {
  await pool.end();
  await dropTestDatabase(url);
});

test("every transaction runs in its scope's tenant, with the statement timeout", async () => {
  const seen = await db.tx({ tenantId: "acme's" }, async (q) => (await q.query(`SELECT current_setting('waymark.tenant_id') AS t, current_setting('statement_timeout') AS s`)).rows[0]);
  assert.deepEqual(seen, { t: "acme's", s: '2s' });
  const after = await pool.query(`SELECT current_setting('waymark.tenant_id', true) AS t`);
  assert.ok(!after.rows[0].t, 'the setting is local to the transaction');
});

test('a connection lost before COMMIT is retried: the work is applied once', async () => {
  let attempts = 0;
  await db.tx(SYSTEM_SCOPE, async (q) => {
    attempts++;
    await q.query(`INSERT INTO gateway_probe (note) VALUES ('lost-once')`);
    if (attempts === 1) await q.query('SELECT pg_terminate_backend(pg_backend_pid())');
  });
  assert.equal(attempts, 2);
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM gateway_probe WHERE note = 'lost-once'`);
  assert.equal(rows[0].n, 1);
});

test('a deadlock victim is retried and both transactions complete', async () => {
  await pool.query(`INSERT INTO gateway_probe (id, note) VALUES (1001, 'a'), (1002, 'b')`);
  let attempts = 0;
  // A barrier: each holds its first row before either asks for its second — a deadlock, every time.
  let arrived = 0;
  let release!: () => void;
  const bothHoldOne = new Promise<void>((r) => (release = r));
  const lockBoth = (first: number, second: number) => {
    let mine = 0;
    return db.tx(SYSTEM_SCOPE, async (q) => {
      attempts++;
      await q.query('UPDATE gateway_probe SET note = note WHERE id = $1', [first]);
      if (++mine === 1) {
        if (++arrived === 2) release();
        await bothHoldOne;
      }
      await q.query('UPDATE gateway_probe SET note = note WHERE id = $1', [second]);
    });
  };
  await Promise.all([lockBoth(1001, 1002), lockBoth(1002, 1001)]);
  assert.ok(attempts >= 3, `the victim ran again (${attempts} attempts in all)`);
});

test('SQLSTATEs become typed errors, and nothing is written', async () => {
  await assert.rejects(db.tx(SYSTEM_SCOPE, (q) => q.query('SELECT pg_sleep(5)')), (e: unknown) => e instanceof DatabaseError && e.code === 'database_timeout');
  await assert.rejects(
    db.tx(SYSTEM_SCOPE, (q) => q.query('INSERT INTO gateway_probe (note) VALUES ($1)', ['nul \u0000 byte'])),
    (e: unknown) => e instanceof DatabaseError && e.code === 'invalid_value' && e.status === 400,
  );
  await db.tx({ tenantId: 'acme' }, (q) =>
    insertRun(q, { id: 'gw-run', tenantId: 'acme', workflow: 'w', input: {}, idempotencyKey: null, requestHash: 'h', appVersion: 'v', createdBy: 'test', retryBudget: null }),
  );
  await assert.rejects(
    db.tx({ tenantId: 'acme' }, async (q) => {
      await q.query(`INSERT INTO gateway_probe (note) VALUES ('rolled back')`);
      await changePhase(q, 'gw-run', 'completed', 'test');
    }),
    (e: unknown) => e instanceof PhaseTransitionError && e.status === 409,
  );
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM gateway_probe WHERE note = 'rolled back'`);
  assert.equal(rows[0].n, 0);
});

test('a read is read-only', async () => {
  await assert.rejects(db.read(SYSTEM_SCOPE, (q) => q.query(`INSERT INTO gateway_probe (note) VALUES ('no')`)), /read-only/);
});
