/**
 * Tenants isolated by Postgres: row-level security on every table of tenant data, keyed on the
 * tenant the gateway sets per transaction, for the role `waymark_app` that the gateway's
 * transactions run as. A query that forgets its tenant condition still sees only its tenant's
 * rows and cannot write another tenant's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useFixtureEnv } from './fixture-env.js';
import { waitFor } from './helpers.js';

const env = useFixtureEnv('rls');

const TABLES = ['runs', 'run_events', 'api_keys', 'audit_log', 'run_history'];

async function twoTenants(): Promise<{ acme: string; other: string }> {
  const acme = (await env.w.as({ actor: 'acme-app', tenantId: 'acme' }).runs.start({ workflow: 'test.chain', input: { steps: 1 } })).run.id;
  const other = (await env.w.runs.start({ workflow: 'test.chain', input: { steps: 1 } })).run.id;
  await env.w.as({ actor: 'acme-app', tenantId: 'acme' }).keys.create({ name: 'acme-svc', roles: ['viewer'] });
  await env.w.keys.create({ name: 'default-svc', roles: ['viewer'] });
  for (const id of [acme, other]) {
    await waitFor(`run ${id}`, async () => (await env.pool.query(`SELECT phase FROM waymark.runs WHERE id = $1`, [id])).rows[0]?.phase === 'completed');
  }
  return { acme, other };
}

test('the application role is no superuser, cannot bypass row-level security, and owns no table', async () => {
  const { rows } = await env.pool.query(`SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'waymark_app'`);
  assert.deepEqual(rows, [{ rolsuper: false, rolbypassrls: false, rolcanlogin: false }]);
  const owned = await env.pool.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tableowner = 'waymark_app'`);
  assert.equal(owned.rows[0].n, 0);
  const unprotected = await env.pool.query(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
     WHERE n.nspname = 'waymark' AND c.relkind = 'r' AND NOT c.relrowsecurity`,
  );
  assert.deepEqual(unprotected.rows, [], 'every table with a tenant_id has row-level security');
});

test("a SQL query through the application's role sees and writes only its tenant's rows", async () => {
  const { acme, other } = await twoTenants();
  const c = await env.pool.connect();
  try {
    const asApp = async <T>(tenant: string | null, fn: () => Promise<T>): Promise<T> => {
      await c.query('BEGIN');
      try {
        await c.query('SET LOCAL ROLE waymark_app');
        if (tenant !== null) await c.query(`SELECT set_config('waymark.tenant_id', $1, true)`, [tenant]);
        return await fn();
      } finally {
        await c.query('ROLLBACK');
      }
    };
    for (const table of TABLES) {
      const tenants = await asApp('acme', async () => (await c.query(`SELECT DISTINCT tenant_id FROM waymark.${table}`)).rows.map((r) => r.tenant_id));
      assert.deepEqual(tenants, ['acme'], `${table} as acme`);
      const none = await asApp(null, async () => (await c.query(`SELECT count(*)::int AS n FROM waymark.${table}`)).rows[0].n);
      assert.equal(none, 0, `${table} without a tenant shows nothing`);
    }
    const ids = await asApp('acme', async () => (await c.query(`SELECT id FROM waymark.runs WHERE id = ANY($1)`, [[acme, other]])).rows.map((r) => r.id));
    assert.deepEqual(ids, [acme]);
    const updated = await asApp('acme', async () => (await c.query(`UPDATE waymark.runs SET workflow = 'hijacked' WHERE id = $1`, [other])).rowCount);
    assert.equal(updated, 0, "another tenant's row cannot be changed");
    const deleted = await asApp('acme', async () => (await c.query(`DELETE FROM waymark.api_keys WHERE tenant_id = 'default'`)).rowCount);
    assert.equal(deleted, 0, "nor deleted");
    await assert.rejects(
      asApp('acme', () => c.query(`INSERT INTO waymark.audit_log (tenant_id, actor, action) VALUES ('default', 'mallory', 'forged')`)),
      /row-level security/,
      "nor written into another tenant",
    );
    await assert.rejects(asApp('acme', () => c.query('ALTER TABLE waymark.runs DISABLE ROW LEVEL SECURITY')), /must be owner/);
    // The installation secret (tool-call key hashes, sealed inputs) is not the gateway role's to read.
    await assert.rejects(asApp('acme', () => c.query('SELECT secret FROM waymark.installation')), /permission denied/);
  } finally {
    c.release();
  }
});

test('the gateway: a query that forgets its tenant condition still sees only its tenant', async () => {
  await twoTenants();
  const db = env.w.server.db;
  const seen = await db.read({ tenantId: 'acme' }, async (q) => (await q.query('SELECT DISTINCT tenant_id FROM waymark.runs')).rows.map((r) => r.tenant_id));
  assert.deepEqual(seen, ['acme']);
  const role = await db.read({ tenantId: 'acme' }, async (q) => (await q.query('SELECT current_user AS u')).rows[0].u);
  assert.equal(role, 'waymark_app');
  await assert.rejects(
    db.tx({ tenantId: 'acme' }, (q) => q.query(`INSERT INTO waymark.audit_log (tenant_id, actor, action) VALUES ('default', 'bug', 'cross-tenant')`)),
    /row-level security/,
  );
  // Housekeeping works across tenants.
  const all = await db.read({ tenantId: '*system*' }, async (q) => (await q.query('SELECT DISTINCT tenant_id FROM waymark.runs ORDER BY 1')).rows.map((r) => r.tenant_id));
  assert.deepEqual(all, ['acme', 'default']);
});
