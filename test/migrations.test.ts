/**
 * Schema migrations against fresh databases: applied once and recorded, safe when several
 * processes migrate at once, and refused (changing nothing) when the database is newer than
 * the code or not migrated yet.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { SchemaVersionError, WaymarkError } from '../src/index.js';
import { assertSchemaCurrent, migrate, startWaymark } from '../src/server.js';
import { loadMigrations } from '../src/store/migrate.js';
import { appendRunEvent, changePhase, insertRun } from '../src/store/runs.js';
import { useTestDatabases } from './fixture-env.js';

const databases = useTestDatabases('mig');
/** An empty database: no DBOS or Waymark schema yet. */
const freshDatabase = (label: string): Promise<string> => databases.create(label, { migrated: false });

/** Runs `fn` with a client on `url` that is closed afterwards. */
async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const shipped = loadMigrations();
const versions = shipped.map((m) => m.version);
const latest = versions.at(-1)!;

const recorded = (url: string) =>
  withClient(url, async (c) => (await c.query<{ version: number; name: string }>('SELECT version, name FROM waymark.schema_migrations ORDER BY version')).rows);

/** Everything a migration or a start-up could change: objects in our schemas and their versions. */
async function schemaSnapshot(url: string): Promise<unknown> {
  return withClient(url, async (c) => {
    const objects = await c.query(
      `SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('waymark', 'dbos', 'public') ORDER BY 1, 2`,
    );
    const functions = await c.query(
      `SELECT n.nspname, p.proname, md5(p.prosrc) AS src FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname IN ('waymark', 'dbos', 'public') ORDER BY 1, 2, 3`,
    );
    const triggers = await c.query(`SELECT tgname, tgrelid::regclass::text AS rel FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2`);
    const migrations = await c.query('SELECT version, name, applied_at FROM waymark.schema_migrations ORDER BY version');
    const dbosVersion = await c.query('SELECT version FROM dbos.dbos_migrations');
    const rows = await c.query(
      `SELECT (SELECT count(*) FROM waymark.runs)::int AS runs, (SELECT count(*) FROM waymark.run_events)::int AS events,
              (SELECT count(*) FROM dbos.workflow_status)::int AS workflows`,
    );
    return { objects: objects.rows, functions: functions.rows, triggers: triggers.rows, migrations: migrations.rows, dbosVersion: dbosVersion.rows, rows: rows.rows };
  });
}

function isSchemaVersionError(pattern: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof SchemaVersionError, `expected a SchemaVersionError, got ${String(e)}`);
    assert.equal(e.code, 'schema_too_new');
    assert.match(e.message, pattern);
    return true;
  };
}

test('migrate applies every migration once, records it, and a second call applies nothing', async () => {
  const url = await freshDatabase('once');
  assert.equal(versions[0], 1);

  const first = await migrate(url);
  assert.deepEqual(first, { applied: versions, current: latest });
  const rows = await recorded(url);
  assert.deepEqual(rows.map((r) => r.version), versions);
  assert.equal(rows[0]?.name, 'runs_and_audit');

  const second = await migrate(url);
  assert.deepEqual(second, { applied: [], current: latest });
  assert.deepEqual(await recorded(url), rows);
  await assertSchemaCurrent(url);
});

test('six concurrent migrators on one fresh database all succeed and apply each migration once', async () => {
  const url = await freshDatabase('concurrent');
  // Each migrate() opens its own connections, like six processes starting at once.
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => migrate(url)));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
  assert.deepEqual(failures, [], 'every concurrent migrate() call succeeds');

  const reports = results.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof migrate>>>).value);
  assert.ok(reports.every((r) => r.current === latest));
  // Exactly one migrator applied each version; the others found it done.
  for (const v of versions) assert.equal(reports.filter((r) => r.applied.includes(v)).length, 1, `version ${v} applied once`);
  const counts = await withClient(url, async (c) =>
    (await c.query<{ version: number; n: number }>('SELECT version, count(*)::int AS n FROM waymark.schema_migrations GROUP BY version ORDER BY version')).rows,
  );
  assert.deepEqual(counts, versions.map((version) => ({ version, n: 1 })));

  // The schema works: a run, its phase rules and its audit trail.
  await withClient(url, async (c) => {
    const id = randomUUID();
    const inserted = await insertRun(c, {
      id, tenantId: 'default', workflow: 'manual', input: {}, idempotencyKey: null, requestHash: 'h', appVersion: 'test-1', createdBy: 'sql', retryBudget: null,
    });
    assert.equal(inserted, true);
    await appendRunEvent(c, { runId: id, tenantId: 'default', kind: 'note', actor: 'sql' });
    assert.equal(await changePhase(c, id, 'running', 'sql'), 'queued');
    const events = await c.query('SELECT kind, to_phase FROM waymark.run_events WHERE run_id = $1 ORDER BY id', [id]);
    assert.deepEqual(events.rows, [
      { kind: 'created', to_phase: 'queued' },
      { kind: 'note', to_phase: null },
      { kind: 'phase_changed', to_phase: 'running' },
    ]);
  });
  await assertSchemaCurrent(url);
});

test('a database migrated by a newer Waymark is refused by migrate, assertSchemaCurrent and startWaymark, and left unchanged', async () => {
  const url = await freshDatabase('too_new');
  await migrate(url);
  await withClient(url, (c) => c.query(`INSERT INTO waymark.schema_migrations (version, name) VALUES (999, 'from_the_future')`));
  const before = await schemaSnapshot(url);

  const tooNew = isSchemaVersionError(new RegExp(`schema version 999.*only knows versions up to ${latest}.*Upgrade Waymark`, 's'));
  await assert.rejects(migrate(url), tooNew);
  await assert.rejects(assertSchemaCurrent(url), tooNew);
  await assert.rejects(
    startWaymark({ config: { databaseUrl: url, port: 0, logLevel: 'warn', appVersion: 'test-1' }, env: {}, http: true }),
    tooNew,
  );

  assert.deepEqual(await schemaSnapshot(url), before);
  // The refused start let go of everything: no executor lock, no connection left behind.
  const leftovers = await withClient(url, async (c) =>
    (await c.query(`SELECT application_name, state FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)).rows,
  );
  assert.deepEqual(leftovers, []);
});

test('assertSchemaCurrent on a database never migrated tells the user to run waymark migrate, and creates nothing', async () => {
  const url = await freshDatabase('unmigrated');
  await assert.rejects(assertSchemaCurrent(url), (e: unknown) => {
    assert.ok(e instanceof WaymarkError);
    assert.ok(e instanceof SchemaVersionError);
    assert.match(e.message, /schema version 0/);
    assert.match(e.message, /Run 'waymark migrate'/);
    return true;
  });
  const schemas = await withClient(url, async (c) => (await c.query(`SELECT nspname FROM pg_namespace WHERE nspname IN ('waymark', 'dbos')`)).rows);
  assert.deepEqual(schemas, []);
});
