/**
 * Nobody acts without an identity: every route but the health checks needs an API key; a key
 * belongs to one tenant and holds roles; approvals are decided by the people they name; the
 * audit actor is the key's principal, never a name from the body; refusals are audited; a
 * webhook reaches only waits of its own source and tenant. The attacks found from outside are
 * replayed here against a real listening server and must fail to get in.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signWebhook } from '../src/server.js';
import { useFixtureEnv } from './fixture-env.js';
import { apiWithKey, http, waitFor, type Api } from './helpers.js';

const POLICE = 'police-secret';
const CRM = 'crm-secret';
const ACME_CRM = 'acme-crm-secret';
const env = useFixtureEnv('identity', { waymark: { config: { webhookSecrets: { police: POLICE, crm: CRM, 'acme-crm@acme': ACME_CRM } } } });

const admin: Api = (...a) => env.w.api(...a);
const start = async (api: Api, workflow: string, input: unknown): Promise<string> => {
  const r = await api('POST', '/v1/runs', { workflow, input });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
};
const phase = (id: string, want: string) => waitFor(`run ${id} ${want}`, async () => (await admin('GET', `/v1/runs/${id}`)).body.phase === want);
const settled = (api: Api, id: string) =>
  waitFor(`run ${id} settled`, async () => {
    const r = (await api('GET', `/v1/runs/${id}`)).body;
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  });
const webhook = (source: string, secret: string, body: object) => {
  const raw = JSON.stringify(body);
  return http(env.w.httpUrl, 'POST', `/v1/events/${source}`, raw, { 'content-type': 'application/json', 'waymark-signature': signWebhook(secret, raw) });
};
const denials = async (actor: string) =>
  (await env.pool.query(`SELECT action, data->>'code' AS code, target FROM waymark.audit_log WHERE actor = $1 AND action = 'access.denied' ORDER BY id`, [actor])).rows;
const counts = async () =>
  (
    await env.pool.query(`SELECT (SELECT count(*) FROM waymark.runs) AS runs, (SELECT count(*) FROM waymark.run_events) AS run_events,
      (SELECT count(*) FROM waymark.approvals) AS approvals, (SELECT count(*) FROM waymark.dead_letters) AS dead_letters,
      (SELECT count(*) FROM waymark.api_keys) AS api_keys, (SELECT count(*) FROM waymark.events) AS events,
      (SELECT count(*) FROM dbos.workflow_status) AS workflows`)
  ).rows[0];

/** Every route of the API, with placeholders for ids. */
const ROUTES: [string, string, unknown?][] = [
  ['GET', '/v1/me'], ['GET', '/v1/workflows'],
  ['GET', '/v1/runs'], ['POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 } }], ['GET', '/v1/runs/:run'],
  ['GET', '/v1/runs/:run/timeline'], ['POST', '/v1/runs/:run/cancel', {}], ['POST', '/v1/runs/:run/resume', {}],
  ['POST', '/v1/runs/:run/fork', { fromStep: 0 }], ['GET', '/v1/runs/:run/tool-calls'],
  ['POST', '/v1/runs/:run/tool-calls/k/resolve', { happened: false }],
  ['GET', '/v1/approvals'], ['GET', '/v1/inbox'], ['GET', '/v1/approvals/:approval'],
  ['POST', '/v1/approvals/:approval/decision', { decision: 'approve' }],
  ['GET', '/v1/dead-letters'], ['GET', '/v1/dead-letters/:dead'], ['POST', '/v1/dead-letters/:dead/retry', {}],
  ['POST', '/v1/dead-letters/:dead/discard', { reason: 'x' }],
  ['GET', '/v1/workers'], ['GET', '/v1/versions'],
  ['GET', '/v1/keys'], ['POST', '/v1/keys', { name: 'x', roles: ['admin'] }], ['POST', '/v1/keys/:key/revoke', {}], ['GET', '/v1/audit-log'],
];
const fill = (path: string, ids: Record<string, string>) => path.replace(/:(run|approval|dead|key)/g, (_, k: string) => encodeURIComponent(ids[k] ?? 'none'));

describe('authentication', () => {
  test('every route but the health checks refuses a request without a valid key, and changes nothing', async () => {
    const revoked = await env.w.keys.create({ name: 'gone', roles: ['admin'] });
    await env.w.keys.revoke(revoked.apiKey.id);
    const [, id] = /^wmk_([0-9a-f]{16})_/.exec(env.w.adminKey)!;
    const credentials: [string, Record<string, string>][] = [
      ['no header', {}],
      ['not a key', { authorization: 'Bearer hello' }],
      ['a right id with a wrong secret', { authorization: `Bearer wmk_${id}_${'A'.repeat(43)}` }],
      ['a revoked key', { authorization: `Bearer ${revoked.key}` }],
      ['basic auth', { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }],
      ['the key without Bearer', { authorization: env.w.adminKey }],
    ];
    const before = await counts();
    for (const [what, headers] of credentials) {
      for (const [method, path, body] of ROUTES) {
        const r = await http(env.w.httpUrl, method, fill(path, {}), body, headers);
        assert.equal(r.status, 401, `${what}: ${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, 'unauthenticated');
        assert.match(r.type, /problem\+json/);
      }
    }
    assert.deepEqual(await counts(), before, 'nothing was written');
    assert.equal((await http(env.w.httpUrl, 'GET', '/healthz')).status, 200);
    assert.equal((await http(env.w.httpUrl, 'GET', '/readyz')).status, 200);
    const me = await admin('GET', '/v1/me');
    assert.deepEqual(me.body, { name: 'test-admin', tenantId: 'default', roles: ['admin'], keyId: id });
  });

  test('keys are shown once, stored hashed, listed without secrets, revoked at once, and audited', async () => {
    const created = await admin('POST', '/v1/keys', { name: 'billing-service', roles: ['operator'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { key, apiKey } = created.body;
    assert.match(key, /^wmk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.equal(apiKey.name, 'billing-service');
    const secret = key.slice(21);
    const stored = await env.pool.query(`SELECT t::text AS row FROM waymark.api_keys t WHERE id = $1`, [apiKey.id]);
    assert.ok(!stored.rows[0].row.includes(secret), 'the secret is not stored');
    const listed = await admin('GET', '/v1/keys');
    assert.ok(listed.body.keys.some((k: any) => k.id === apiKey.id));
    assert.ok(!JSON.stringify(listed.body).includes(secret), 'nor listed');

    const billing = apiWithKey(env.w.httpUrl, key);
    assert.equal((await billing('GET', '/v1/me')).body.name, 'billing-service');
    await waitFor('last use recorded', async () => (await admin('GET', '/v1/keys')).body.keys.find((k: any) => k.id === apiKey.id)?.lastUsedAt);

    assert.equal((await admin('POST', `/v1/keys/${apiKey.id}/revoke`, {})).body.revokedBy, 'test-admin');
    assert.equal((await billing('GET', '/v1/me')).status, 401, 'revoked at once');
    const log = (await admin('GET', '/v1/audit-log')).body.entries.filter((e: any) => e.target === apiKey.id);
    assert.deepEqual(log.map((e: any) => `${e.action}:${e.actor}`), ['key.revoked:test-admin', 'key.created:test-admin']);

    // A tenant is never left without an admin: its last admin key stays until there is another.
    const solo = await env.w.apiAs('solo-admin', ['admin'], 'solo');
    const soloId = (await solo('GET', '/v1/me')).body.keyId;
    const last = await solo('POST', `/v1/keys/${soloId}/revoke`, {});
    assert.equal(last.status, 409);
    assert.equal(last.body.code, 'last_admin_key');
    const second = await solo('POST', '/v1/keys', { name: 'solo-admin-2', roles: ['admin'] });
    assert.equal((await solo('POST', `/v1/keys/${soloId}/revoke`, {})).status, 200);
    assert.equal((await solo('GET', '/v1/me')).status, 401);
    assert.equal((await apiWithKey(env.w.httpUrl, second.body.key)('GET', '/v1/me')).body.name, 'solo-admin-2');

    const bad = await admin('POST', '/v1/keys', { name: 'x', roles: ['Admin!'] });
    assert.equal(bad.status, 422);
    assert.equal((await admin('POST', '/v1/keys', { name: 'x', roles: [] })).status, 422);
    // Names Waymark writes into the audit trail itself cannot be taken.
    for (const name of ['system', 'webhook:crm', 'DBOS', 'fork']) assert.equal((await admin('POST', '/v1/keys', { name, roles: ['viewer'] })).status, 422, name);
  });

  test('the audit log pages newest first without gaps or repeats, and cannot be rewritten', async () => {
    const pager = await env.w.apiAs('pager@example.com', ['viewer']);
    for (let i = 0; i < 12; i++) assert.equal((await pager('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 } })).status, 403);
    const all = (await admin('GET', '/v1/audit-log?limit=200')).body.entries.map((e: any) => Number(e.id));
    assert.deepEqual(all, [...all].sort((a, b) => b - a), 'newest first, by id');
    const paged: number[] = [];
    for (let before: string | null | undefined; before !== null; ) {
      const page = (await admin('GET', `/v1/audit-log?limit=5${before ? `&before=${before}` : ''}`)).body;
      paged.push(...page.entries.map((e: any) => Number(e.id)));
      before = page.nextBefore;
    }
    assert.deepEqual(paged, all);
    await assert.rejects(env.pool.query(`DELETE FROM waymark.audit_log WHERE actor = 'pager@example.com'`), /append-only/);
  });
});

describe('roles', () => {
  test('a viewer reads, an operator operates, only an admin administers; every refusal is audited', async () => {
    const viewer = await env.w.apiAs('vera@example.com', ['viewer']);
    const operator = await env.w.apiAs('otto@example.com', ['operator']);
    assert.equal((await viewer('GET', '/v1/runs')).status, 200);
    const refused = await viewer('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1 } });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'forbidden');
    const id = await start(operator, 'test.chain', { steps: 1 });
    assert.equal((await viewer('POST', `/v1/runs/${id}/cancel`, {})).status, 403);
    for (const path of ['/v1/keys', '/v1/workers', '/v1/versions', '/v1/audit-log']) {
      assert.equal((await operator('GET', path)).status, 403, path);
    }
    assert.equal((await operator('POST', '/v1/keys', { name: 'escalate-me', roles: ['admin'] })).status, 403);
    assert.equal((await admin('GET', '/v1/workers')).status, 200);
    assert.deepEqual((await denials('vera@example.com')).map((d) => `${d.code} ${d.target}`), ['forbidden POST /v1/runs', `forbidden POST /v1/runs/${id}/cancel`]);
    assert.equal((await denials('otto@example.com')).length, 5);
    assert.equal((await settled(operator, id)).createdBy, 'otto@example.com', 'the principal is the audit actor');
  });
});

describe('the attacks found from outside', () => {
  test('an approval for role adjuster cannot be decided by someone else, whatever `by` says', async () => {
    const runId = await start(admin, 'test.approval', { title: 'Pay claim 7', proposal: { amount: 900, payee: 'Garage' }, assignees: { roles: ['adjuster'] } });
    await phase(runId, 'waiting_for_approval');
    const approval = (await admin('GET', `/v1/approvals?runId=${runId}`)).body.approvals[0];
    const decide = (api: Api, body: object) => api('POST', `/v1/approvals/${approval.id}/decision`, { decision: 'approve', ...body });

    const mallory = await env.w.apiAs('mallory@evil.example', ['operator']);
    assert.equal((await decide(mallory, { by: 'mallory@evil.example' })).body.code, 'forbidden');
    const approver = await env.w.apiAs('mallory2@evil.example', ['approver']);
    assert.equal((await decide(approver, {})).body.code, 'not_an_assignee');
    assert.equal((await decide(approver, { by: 'lee@example.com' })).body.code, 'actor_mismatch');
    const lee = await env.w.apiAs('lee@example.com', ['approver', 'adjuster']);
    assert.equal((await decide(lee, { by: 'someone.else@example.com' })).body.code, 'actor_mismatch');
    assert.equal((await admin('GET', `/v1/approvals/${approval.id}`)).body.status, 'pending', 'nothing was decided');

    // The inbox lists what each principal may decide.
    const inbox = async (api: Api) => (await api('GET', '/v1/inbox')).body.approvals.map((a: any) => a.id);
    assert.ok((await inbox(lee)).includes(approval.id));
    assert.ok(!(await inbox(approver)).includes(approval.id));

    const decided = await decide(lee, { comment: 'ok' });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    assert.equal(decided.body.decidedBy, 'lee@example.com');
    assert.equal((await settled(admin, runId)).output.decision.decidedBy, 'lee@example.com');
    assert.deepEqual((await denials('mallory@evil.example')).map((d) => d.code), ['forbidden']);
    assert.deepEqual((await denials('mallory2@evil.example')).map((d) => d.code), ['not_an_assignee', 'actor_mismatch']);
    assert.deepEqual((await denials('lee@example.com')).map((d) => d.code), ['actor_mismatch']);
  });

  test('a dead letter cannot be discarded in someone else\'s name, nor by a viewer', async () => {
    const runId = await start(admin, 'test.always-fails', {});
    await waitFor('the dead letter', async () => (await admin('GET', `/v1/dead-letters/${runId}`)).status === 200);
    const ops = await env.w.apiAs('ops@example.com', ['operator']);
    const forged = await ops('POST', `/v1/dead-letters/${runId}/discard`, { reason: 'cover up', by: 'admin@example.com' });
    assert.equal(forged.status, 403);
    assert.equal(forged.body.code, 'actor_mismatch');
    const viewer = await env.w.apiAs('vic@example.com', ['viewer']);
    assert.equal((await viewer('POST', `/v1/dead-letters/${runId}/discard`, { reason: 'x' })).body.code, 'forbidden');
    assert.equal((await viewer('POST', `/v1/runs/${runId}/tool-calls/any/resolve`, { happened: true, output: {} })).body.code, 'forbidden');
    assert.equal((await admin('GET', `/v1/dead-letters/${runId}`)).body.status, 'open');
    const discarded = await ops('POST', `/v1/dead-letters/${runId}/discard`, { reason: 'test data' });
    assert.equal(discarded.body.resolvedBy, 'ops@example.com');
  });

  test('a fork acts with the authority of the operator who made it, and names them', async () => {
    const id = await start(admin, 'test.chain', { steps: 2 });
    await settled(admin, id);
    const created = await admin('POST', '/v1/keys', { name: 'forker@example.com', roles: ['operator'] });
    const forker = apiWithKey(env.w.httpUrl, created.body.key);
    const fork = await forker('POST', `/v1/runs/${id}/fork`, { fromStep: 1 });
    assert.equal(fork.status, 201, JSON.stringify(fork.body));
    const { rows } = await env.pool.query('SELECT created_by, started_by_key FROM waymark.runs WHERE id = $1', [fork.body.id]);
    assert.deepEqual(rows, [{ created_by: 'forker@example.com', started_by_key: created.body.apiKey.id }]);
  });

  test('an unknown webhook source answers exactly like a known one with a bad signature', async () => {
    const body = JSON.stringify({ id: 'e-1', type: 't', key: 'k' });
    const variants: Record<string, string>[] = [{}, { 'waymark-signature': 't=1,v1=00' }, { 'waymark-signature': signWebhook('guess', body) }];
    for (const headers of variants) {
      const known = await http(env.w.httpUrl, 'POST', '/v1/events/police', body, { 'content-type': 'application/json', ...headers });
      const unknown = await http(env.w.httpUrl, 'POST', '/v1/events/nosuch', body, { 'content-type': 'application/json', ...headers });
      assert.equal(unknown.status, 401);
      assert.deepEqual([unknown.body.code, unknown.body.detail], [known.body.code, known.body.detail]);
    }
  });

  test("an event signed with another source's secret never reaches a wait, early or late", async () => {
    // Late: the run waits first.
    const late = await start(admin, 'test.event', { source: 'police', type: 'police_report.received', key: 'claim-41' });
    await phase(late, 'waiting_for_event');
    const forged = await webhook('crm', CRM, { id: 'crm-1', type: 'police_report.received', key: 'claim-41', data: { reportNo: 'FAKE' } });
    assert.equal(forged.status, 202, JSON.stringify(forged.body));
    assert.deepEqual(forged.body.deliveredTo, []);
    // Early: a forged event is already stored when the wait opens.
    assert.equal((await webhook('crm', CRM, { id: 'crm-2', type: 'police_report.received', key: 'claim-42', data: { reportNo: 'FAKE' } })).status, 202);
    const early = await start(admin, 'test.event', { source: 'police', type: 'police_report.received', key: 'claim-42' });
    await phase(early, 'waiting_for_event');

    for (const [id, key] of [[late, 'claim-41'], [early, 'claim-42']] as const) {
      const real = await webhook('police', POLICE, { id: `police-${key}`, type: 'police_report.received', key, data: { reportNo: 'PR-1' } });
      assert.deepEqual(real.body.deliveredTo, [id]);
      const run = await settled(admin, id);
      assert.equal(run.output.result.event.source, 'police');
      assert.deepEqual(run.output.result.event.data, { reportNo: 'PR-1' });
    }
  });
});

describe('tenants', () => {
  test("a key sees and changes nothing of another tenant's, on every route", async () => {
    const acme = await env.w.apiAs('acme-admin', ['admin'], 'acme');
    // The default tenant's run, approval, dead letter and key.
    const run = await start(admin, 'test.approval', { title: 'Pay', proposal: { amount: 1, payee: 'x' }, assignees: { users: ['acme-admin'] } });
    await phase(run, 'waiting_for_approval');
    const approval = (await admin('GET', `/v1/approvals?runId=${run}`)).body.approvals[0].id as string;
    const dead = await start(admin, 'test.always-fails', {});
    await waitFor('the dead letter', async () => (await admin('GET', `/v1/dead-letters/${dead}`)).status === 200);
    const key = (await env.w.keys.create({ name: 'default-svc', roles: ['viewer'] })).apiKey.id;
    const ids = { run, approval, dead, key };

    const before = await counts();
    const { rows: [auditBefore] } = await env.pool.query(`SELECT count(*) AS n FROM waymark.audit_log WHERE tenant_id = 'default'`);
    for (const [method, path, body] of ROUTES) {
      if (method === 'POST' && (path === '/v1/runs' || path === '/v1/keys')) continue; // creates in acme: checked below
      const target = fill(path, ids);
      const r = await acme(method, target, body);
      const seen = JSON.stringify(r.body);
      if (/:(run|approval|dead|key)/.test(path)) {
        // Addressed by id: as if it did not exist (the problem names only the id it was asked about).
        assert.equal(r.status, 404, `${method} ${target} → ${r.status} ${seen}`);
        assert.match(r.body.code, /_not_found$/);
      } else if (path === '/v1/workers' || path === '/v1/versions') {
        assert.equal(r.body.code, 'forbidden', `${method} ${target}: installation-wide, not for another tenant's admin`);
      } else {
        assert.equal(r.status, 200, `${method} ${target} → ${r.status} ${seen}`);
        for (const [what, id] of Object.entries(ids)) assert.ok(!seen.includes(id), `${method} ${target} listed the other tenant's ${what}: ${seen}`);
      }
    }
    assert.deepEqual(await counts(), before, 'no write reached the other tenant');
    assert.equal((await env.pool.query(`SELECT count(*) AS n FROM waymark.audit_log WHERE tenant_id = 'default'`)).rows[0].n, auditBefore.n);

    // What acme creates is acme's.
    const own = await start(acme, 'test.chain', { steps: 1 });
    assert.equal((await admin('GET', `/v1/runs/${own}`)).status, 404);
    assert.equal((await env.pool.query('SELECT tenant_id FROM waymark.runs WHERE id = $1', [own])).rows[0].tenant_id, 'acme');
    const acmeKey = await acme('POST', '/v1/keys', { name: 'acme-svc', roles: ['viewer'] });
    assert.equal(acmeKey.body.apiKey.tenantId, 'acme');
    assert.ok(!(await admin('GET', '/v1/keys')).body.keys.some((k: any) => k.id === acmeKey.body.apiKey.id));
    assert.equal((await admin('POST', `/v1/approvals/${approval}/decision`, { decision: 'reject' })).status, 200);
  });

  test("a tenant's webhook source delivers only to that tenant's waits", async () => {
    const acme = await env.w.apiAs('acme-ops', ['operator'], 'acme');
    const theirs = await start(acme, 'test.event', { source: 'acme-crm', type: 'lead.created', key: 'lead-9' });
    const ours = await start(admin, 'test.event', { source: 'acme-crm', type: 'lead.created', key: 'lead-9' });
    await waitFor('both waiting', async () =>
      (await acme('GET', `/v1/runs/${theirs}`)).body.phase === 'waiting_for_event' && (await admin('GET', `/v1/runs/${ours}`)).body.phase === 'waiting_for_event');
    const r = await webhook('acme-crm', ACME_CRM, { id: 'lead-evt-9', type: 'lead.created', key: 'lead-9', data: { value: 10 } });
    assert.deepEqual(r.body.deliveredTo, [theirs]);
    assert.equal((await env.pool.query(`SELECT tenant_id FROM waymark.events WHERE event_id = 'lead-evt-9'`)).rows[0].tenant_id, 'acme');
    assert.equal((await settled(acme, theirs)).status, 'SUCCESS');
    assert.equal((await admin('GET', `/v1/runs/${ours}`)).body.phase, 'waiting_for_event');
    await admin('POST', `/v1/runs/${ours}/cancel`, {});
  });
});
