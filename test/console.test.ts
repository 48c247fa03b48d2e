/**
 * The operator console in a real browser (Debian's chromium driven by playwright-core) against
 * a real listening Waymark: signing in with a key, starting and watching a run, deciding an
 * approval with an edit, resolving an in-doubt call, retrying a dead letter; tenants kept apart;
 * the session cookie's flags, its end (sign-out, key revoked) and its CSRF defences.
 *
 * With WAYMARK_CONSOLE_SCREENSHOTS=<dir> (`npm run console:screenshots`) the screenshots taken
 * on the way are kept there; otherwise in a temporary folder.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { ConsoleSessionService } from '../src/service/console-sessions.js';
import { DocumentPipeline, createDocumentTables } from '../examples/document-pipeline.js';
import { useFixtureEnv } from './fixture-env.js';
import { beforeLaunch, workflows } from './fixtures/workflows.js';
import { waitFor } from './helpers.js';
import { reply } from './support/model-server.js';

// The fixtures, and an example workflow a newcomer starts first.
const env = useFixtureEnv('console', {
  toolServer: true,
  modelServer: true,
  waymark: {
    workflows: [...workflows, DocumentPipeline.process],
    beforeLaunch: async (deps) => {
      await beforeLaunch(deps);
      await createDocumentTables(deps.knex);
    },
  },
});
const shots = process.env.WAYMARK_CONSOLE_SCREENSHOTS ?? mkdtempSync(path.join(os.tmpdir(), 'waymark-console-'));
mkdirSync(shots, { recursive: true });
const CHROMIUM = process.env.WAYMARK_CHROMIUM ?? '/usr/bin/chromium';
const LAPTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };

let browser: Browser;
before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM });
});
after(async () => {
  await browser?.close();
});

const start = async (workflow: string, input: unknown) => (await env.w.as({ actor: 'test' }).runs.start({ workflow, input })).run.id;
const settled = (id: string) =>
  waitFor(`run ${id} to finish`, async () => {
    const r = await env.w.runs.get(id);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  });

/** A new key; its secret is returned (shown once, like `npm start` prints the admin key). */
async function newKey(name: string, roles: string[], tenantId?: string): Promise<string> {
  return (await env.w.server.keys.create(env.w.server.scope({ actor: 'test-setup', ...(tenantId ? { tenantId } : {}) }), { name, roles })).key;
}

/** A fresh browser context, signed in through the sign-in page. */
async function signIn(key: string, viewport = LAPTOP): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(env.w.httpUrl);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  assert.ok(readFileSync(file).subarray(1, 4).toString() === 'PNG', `${name}.png is a PNG`);
}

/** The session cookie of a signed-in page, as `name=value`. */
async function cookieOf(page: Page): Promise<string> {
  const c = (await page.context().cookies()).find((x) => x.name === 'waymark_session');
  assert.ok(c, 'the session cookie is set');
  return `${c.name}=${c.value}`;
}

describe('the console in a browser', () => {
  test("an agent run's page shows its transcript: the model's tool call, the untrusted tool result, the answer", async () => {
    env.models.script('console-agent', reply.toolCalls([{ id: 'k1', name: 'lookup_order', args: { orderId: 'o-7' } }]), reply.text('Order o-7 has shipped.'));
    const id = (await env.w.runs.start({ workflow: 'agent.run', input: { tag: 'console-agent', prompt: 'Where is order o-7?' } })).run.id;
    await waitFor('the agent run to finish', async () => (await env.w.runs.get(id)).status === 'SUCCESS');
    const page = await signIn(env.w.adminKey);
    await page.goto(`${env.w.httpUrl}/#/runs/${encodeURIComponent(id)}`);
    await page.getByRole('heading', { name: 'Transcript' }).waitFor();
    const items = page.getByRole('list', { name: 'Transcript, oldest first' }).getByRole('listitem');
    assert.equal(await items.count(), 4);
    assert.match(await items.nth(0).innerText(), /^user: Where is order o-7\?/);
    assert.match(await items.nth(1).innerText(), /assistant: .*lookup_order\(\{"orderId":"o-7"\}\)/);
    assert.match(await items.nth(2).innerText(), /tool: untrusted: tool:agent\.lookup-order/);
    assert.match(await items.nth(3).innerText(), /assistant: Order o-7 has shipped\./);
    await shot(page, 'agent-transcript');
    await page.context().close();
  });

  test("the runs list shows each run's business state and filters by it; the run page shows the state and its changes", async () => {
    const confirmed = await start('test.states', { steps: [{ set: 'awaiting_report' }, { set: 'confirmed', reason: 'report checked' }] });
    const awaiting = await start('test.states', { steps: [{ set: 'awaiting_report' }] });
    for (const id of [confirmed, awaiting]) assert.equal((await settled(id)).status, 'SUCCESS');
    const page = await signIn(env.w.adminKey);
    const list = page.getByRole('table', { name: 'Runs, newest first' });
    await list.getByRole('link', { name: confirmed }).waitFor();
    const row = list.getByRole('row').filter({ has: page.getByRole('link', { name: confirmed }) });
    assert.match(await row.innerText(), /confirmed/);
    await page.getByLabel('State', { exact: true }).selectOption('confirmed');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/state=confirmed/);
    await list.getByRole('link', { name: confirmed }).waitFor();
    assert.equal(await list.getByRole('link', { name: awaiting }).count(), 0, 'a run in another state is not listed');
    await shot(page, 'runs-by-state');

    await list.getByRole('link', { name: confirmed }).click();
    await page.getByRole('heading', { name: /^Run / }).waitFor();
    assert.equal(await page.locator('.facts dd .b-confirmed').count(), 1, 'the run page shows the state');
    const timeline = page.getByRole('table', { name: 'Timeline, oldest first' });
    await timeline.getByRole('cell', { name: 'state', exact: true }).first().waitFor();
    assert.equal(await timeline.getByRole('cell', { name: 'state', exact: true }).count(), 3, 'the initial state and two moves');
    assert.match(await timeline.innerText(), /awaiting_report\s*→\s*confirmed/);
    await page.context().close();
  });

  test("a parent run's page lists its child runs with links; a child's page links back to its parent", async () => {
    const id = (await env.w.runs.start({ workflow: 'test.fan-out', input: { group: 'console', count: 3, concurrency: 2 } })).run.id;
    await waitFor('the fan-out to finish', async () => (await env.w.runs.get(id)).status === 'SUCCESS', 120_000);
    const children = (await env.w.runs.children(id)) as { id: string }[];
    const page = await signIn(env.w.adminKey);
    await page.goto(`${env.w.httpUrl}/#/runs/${encodeURIComponent(id)}`);
    await page.getByRole('heading', { name: 'Child runs (3 of 3 ended)' }).waitFor();
    const rows = page.getByRole('table', { name: 'Child runs of this run' }).getByRole('row');
    assert.equal(await rows.count(), 4, 'a header and three children');
    assert.match(await rows.nth(1).innerText(), /test\.child-work\s+completed\s+SUCCESS\s+0/);
    await shot(page, 'run-children');
    await page.getByRole('link', { name: children[1]!.id }).click();
    await page.getByRole('heading', { name: `Run ${children[1]!.id}` }).waitFor();
    const parentLink = page.getByTestId('parent-run');
    assert.equal(await parentLink.innerText(), id);
    // A child without children of its own shows no such section.
    assert.equal(await page.getByRole('heading', { name: /^Child runs/ }).count(), 0);
    await parentLink.click();
    await page.getByRole('heading', { name: `Run ${id}` }).waitFor();
    await page.context().close();
  });

  test('a newcomer signs in with the key, starts a run, watches it complete and opens its timeline', async () => {
    const signInPage = await (await browser.newContext({ viewport: LAPTOP })).newPage();
    await signInPage.goto(env.w.httpUrl);
    await signInPage.getByLabel('API key').waitFor();
    await shot(signInPage, 'sign-in');
    await signInPage.getByLabel('API key').fill('wmk_0000000000000000_notakeynotakeynotakeynotakeynotakeynotakey');
    await signInPage.getByRole('button', { name: 'Sign in' }).click();
    await signInPage.getByText('This API key is not valid').waitFor();
    await signInPage.context().close();

    const page = await signIn(env.w.adminKey);
    await page.getByText('Start a run').click();
    await page.getByLabel('Workflow to start').selectOption('document-pipeline');
    await page.getByLabel('documentId').fill('doc-console');
    await page.getByLabel('fileName').fill('inv.txt');
    await page.getByLabel('content').fill('Invoice 2026-01-31 amount due EUR 120.00, billing@acme.example');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.getByRole('heading', { name: /^Run / }).waitFor();
    const runId = decodeURIComponent(new URL(page.url()).hash.replace('#/runs/', ''));
    // The page refreshes itself until the run is done.
    await page.locator('.facts .b-completed').waitFor({ timeout: 60_000 });
    const timeline = page.getByRole('table', { name: 'Timeline, oldest first' });
    await timeline.getByRole('cell', { name: 'step 2' }).waitFor();
    assert.equal(await timeline.getByRole('cell', { name: 'phase' }).count() >= 2, true, 'phase changes are in the timeline');
    assert.match(await page.getByLabel('Run output').innerText(), /"documentId": "doc-console"/);
    // Not an agent run: no transcript section.
    assert.equal(await page.getByRole('heading', { name: 'Transcript' }).count(), 0);
    await shot(page, 'run');

    await page.getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('link', { name: runId }).waitFor();
    await page.getByLabel('Workflow', { exact: true }).selectOption('document-pipeline');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/workflow=document-pipeline/);
    await page.getByRole('link', { name: runId }).waitFor();
    await shot(page, 'runs');
    await page.setViewportSize(PHONE);
    await shot(page, 'runs-phone');
    await page.context().close();
  });

  test('an approval is approved with an edit made in the form generated from its edit schema', async () => {
    const id = await start('test.approval', { title: 'Pay ACME', proposal: { amount: 120, payee: 'ACME' }, editable: true, assignees: { roles: ['approver'] } });
    await waitFor('the approval', async () => (await env.w.runs.get(id)).phase === 'waiting_for_approval');
    const page = await signIn(env.w.adminKey);
    await page.getByRole('link', { name: 'Approvals' }).click();
    const card = page.getByRole('article', { name: 'Pay ACME' });
    await card.getByLabel('amount').fill('95');
    await card.getByLabel('note').fill('agreed discount');
    await card.locator('.diff').getByText('/amount').waitFor();
    await shot(page, 'approvals');
    await card.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Pay ACME: approved with edits').waitFor();
    const run = await settled(id);
    assert.equal(run.status, 'SUCCESS');
    const out = run.output as { decision: { decision: string; value: unknown; edits: unknown } };
    assert.equal(out.decision.decision, 'approved');
    assert.deepEqual(out.decision.value, { amount: 95, payee: 'ACME', note: 'agreed discount' });
    assert.deepEqual(out.decision.edits, { amount: 95, note: 'agreed discount' });
    await page.context().close();
  });

  test('an in-doubt tool call is resolved as happened, and the run continues with the given result', async () => {
    env.server.hangAfterActing.set('/charges', 1);
    const id = await start('tools.charge-quick-timeout', { ref: 'console-1', cents: 10 });
    await waitFor('escalation', async () => (await env.w.runs.get(id)).phase === 'escalated');
    const page = await signIn(env.w.adminKey);
    await page.getByRole('link', { name: 'In-doubt calls' }).click();
    const card = page.getByRole('article').filter({ has: page.getByRole('link', { name: id }) });
    await card.getByLabel('Result, if it happened (JSON)').fill('{"chargeId":"ch-console"}');
    await shot(page, 'in-doubt');
    await card.getByRole('button', { name: 'It happened' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'It happened' }).click();
    await page.getByText('recorded as happened').waitFor();
    assert.deepEqual((await settled(id)).output, { chargeId: 'ch-console' });
    assert.equal(env.server.charges.filter((c) => c.ref === 'console-1').length, 1, 'charged once');
    await page.context().close();
  });

  test('a dead letter is retried from its failing step after confirmation', async () => {
    const id = await start('test.always-fails', {});
    await waitFor('the dead letter', async () => (await env.w.api('GET', `/v1/dead-letters/${id}`)).body.status === 'open');
    const page = await signIn(env.w.adminKey);
    await page.getByRole('link', { name: 'Dead letters' }).click();
    const card = page.getByRole('article').filter({ has: page.getByRole('link', { name: id }) });
    await card.getByText('deliberate failure').waitFor();
    await shot(page, 'dead-letters');
    await card.getByRole('button', { name: /^Retry from step/ }).click();
    // Cancelling the dialog does nothing.
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await env.w.api('GET', `/v1/dead-letters/${id}`)).body.status, 'open');
    await card.getByRole('button', { name: /^Retry from step/ }).click();
    await page.getByRole('dialog').getByLabel('Reason (optional, recorded)').fill('fixed the cause');
    await page.getByRole('dialog').getByRole('button', { name: 'Retry' }).click();
    await page.getByText(/^Retried as run/).waitFor();
    const letter = (await env.w.api('GET', `/v1/dead-letters/${id}`)).body;
    assert.equal(letter.status, 'retried');
    assert.ok(letter.retryRunId);
    await page.context().close();
  });

  test('costs and workers pages render their chart and tables', async () => {
    const page = await signIn(env.w.adminKey);
    await page.getByRole('link', { name: 'Costs' }).click();
    await page.getByRole('heading', { name: 'Costs', level: 1 }).waitFor();
    await page.getByRole('table', { name: 'Model calls by workflow' }).waitFor();
    await shot(page, 'costs');
    await page.getByRole('link', { name: 'Workers' }).click();
    await page.getByRole('table', { name: 'Workers' }).getByRole('cell', { name: 'live', exact: true }).first().waitFor();
    await shot(page, 'workers');
    await page.context().close();
  });

  test('a run started with a business key is found by it; a schedule is paused and resumed after confirmation', async () => {
    const page = await signIn(env.w.adminKey);
    await page.getByText('Start a run').click();
    await page.getByLabel('Workflow to start').selectOption('test.chain');
    await page.getByLabel('steps').fill('1');
    await page.getByRole('textbox', { name: /^Business key/ }).fill('lead:console-7');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.getByRole('heading', { name: /^Run / }).waitFor();
    const runId = decodeURIComponent(new URL(page.url()).hash.replace('#/runs/', ''));
    assert.equal((await env.w.runs.get(runId)).businessKey, 'lead:console-7', 'the form sent the business key');
    const other = await start('test.chain', { steps: 1 });
    // The run page links its business key to the list of runs that carry it.
    await page.getByRole('link', { name: 'lead:console-7' }).click();
    await page.waitForURL(/key=lead%3Aconsole-7/);
    await page.getByRole('link', { name: runId }).waitFor();
    assert.equal(await page.getByRole('link', { name: other }).count(), 0, 'a run without the key is not listed');
    assert.equal(await page.getByLabel('Business key', { exact: true }).inputValue(), 'lead:console-7');

    const created = await env.w.api('POST', '/v1/schedules', { name: 'console-digest', workflow: 'test.chain', input: { steps: 1 }, cron: '0 6 * * *' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await page.getByRole('link', { name: 'Schedules' }).click();
    const table = page.getByRole('table', { name: 'Schedules' });
    const row = table.getByRole('row').filter({ hasText: 'console-digest' });
    await row.getByText('active').waitFor();
    await row.getByRole('button', { name: 'Pause console-digest' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await env.w.api('GET', '/v1/schedules/console-digest')).body.paused, false, 'cancelling the dialog changes nothing');
    await row.getByRole('button', { name: 'Pause console-digest' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Pause schedule' }).click();
    await page.getByText('Schedule console-digest paused').waitFor();
    await row.getByText('paused').waitFor();
    assert.equal((await env.w.api('GET', '/v1/schedules/console-digest')).body.paused, true);
    await shot(page, 'schedules');
    await row.getByRole('button', { name: 'Resume console-digest' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Resume schedule' }).click();
    await page.getByText('Schedule console-digest resumed').waitFor();
    assert.equal((await env.w.api('GET', '/v1/schedules/console-digest')).body.paused, false);

    // A viewer sees the schedule but is offered no action.
    const viewer = await signIn(await newKey('vera@a.example', ['viewer']));
    await viewer.getByRole('link', { name: 'Schedules' }).click();
    await viewer.getByRole('table', { name: 'Schedules' }).getByText('console-digest').waitFor();
    assert.equal(await viewer.getByRole('button', { name: /console-digest/ }).count(), 0);
    await viewer.context().close();
    await page.context().close();
  });

  test("a key of tenant B cannot see tenant A's run page", async () => {
    const id = await start('test.chain', { steps: 1 });
    await settled(id);
    const bKey = await newKey('bob@b.example', ['operator'], 'tenant-b');
    const page = await signIn(bKey);
    await page.goto(`${env.w.httpUrl}/#/runs/${encodeURIComponent(id)}`);
    await page.getByText(`No run with id '${id}'`).waitFor();
    assert.equal(await page.getByLabel('Run input').count(), 0);
    assert.equal(await page.getByRole('link', { name: id }).count(), 0);
    const res = await fetch(`${env.w.httpUrl}/v1/runs/${encodeURIComponent(id)}`, { headers: { cookie: await cookieOf(page) } });
    assert.equal(res.status, 404);
    await page.context().close();
  });
});

describe('the session cookie', () => {
  test('is HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP; the page has a strict CSP', async () => {
    const res = await fetch(`${env.w.httpUrl}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: env.w.adminKey }) });
    assert.equal(res.status, 200);
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^waymark_session=wms_[0-9a-f]{16}_[A-Za-z0-9_-]{43}; /);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Path=\//);
    assert.doesNotMatch(cookie, /Secure/);
    assert.doesNotMatch(cookie, new RegExp(env.w.adminKey), 'the key is not the cookie');
    const page = await signIn(env.w.adminKey);
    const c = (await page.context().cookies()).find((x) => x.name === 'waymark_session');
    assert.equal(c?.httpOnly, true);
    assert.equal(c?.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => (globalThis as any).document.cookie), '', 'scripts cannot read it');
    const html = await fetch(`${env.w.httpUrl}/`);
    const csp = html.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.doesNotMatch(await html.text(), /<script>|<script [^>]*>[^<]/, 'no inline script');
    await page.context().close();
  });

  test('over TLS (behind a proxy) it is Secure and __Host- prefixed', async () => {
    const { server } = env.w;
    // The same services behind an app that trusts a TLS-terminating proxy (X-Forwarded-Proto).
    const app = createApp({
      runs: server.runs, toolCalls: server.toolCalls, approvals: server.approvals, events: server.events, workers: server.workers, deadLetters: server.deadLetters,
      versions: server.versions, keys: server.keys, costs: server.costs, streams: server.streams, registry: server.registry, db: server.db, logger: createLogger('warn'), trustProxy: true,
      sessions: new ConsoleSessionService({ db: server.db, keys: server.keys, ttlMs: 60_000 }),
    });
    const listener = app.listen(0, '127.0.0.1');
    await new Promise((r) => listener.once('listening', r));
    try {
      const port = (listener.address() as { port: number }).port;
      const res = await fetch(`http://127.0.0.1:${port}/console/session`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }, body: JSON.stringify({ apiKey: env.w.adminKey }),
      });
      assert.equal(res.status, 200);
      const cookie = res.headers.get('set-cookie') ?? '';
      assert.match(cookie, /^__Host-waymark_session=wms_/);
      assert.match(cookie, /; Secure/);
      assert.match(cookie, /; HttpOnly/);
    } finally {
      await new Promise((r) => listener.close(r));
    }
  });

  test('a forged cross-site POST carrying the cookie is refused, and so is a same-origin one without the CSRF token', async () => {
    const page = await signIn(env.w.adminKey);
    const cookie = await cookieOf(page);
    const body = JSON.stringify({ workflow: 'test.chain', input: { steps: 1 } });
    const before = (await env.pool.query('SELECT count(*)::int AS n FROM waymark.runs')).rows[0].n;
    const post = (headers: Record<string, string>, payload = body) => fetch(`${env.w.httpUrl}/v1/runs`, { method: 'POST', headers: { cookie, ...headers }, body: payload });

    const form = await post({ 'content-type': 'text/plain', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    assert.equal(form.status, 403);
    assert.equal(((await form.json()) as { code: string }).code, 'cross_origin_request');
    const corsLike = await post({ 'content-type': 'application/json', 'sec-fetch-site': 'same-site', 'x-waymark-csrf': '1' });
    assert.equal(corsLike.status, 403);
    assert.equal(((await corsLike.json()) as { code: string }).code, 'cross_origin_request');
    const noToken = await post({ 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' });
    assert.equal(noToken.status, 403);
    assert.equal(((await noToken.json()) as { code: string }).code, 'csrf_token_invalid');
    const genericHeader = await post({ 'content-type': 'application/json', 'x-waymark-csrf': '1' });
    assert.equal(((await genericHeader.json()) as { code: string }).code, 'csrf_token_invalid');
    // The same request from a page of another site (localhost is not 127.0.0.1's site), in the
    // browser: an HTML form posted to the API.
    const evilSite = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<form method="post" action="${env.w.httpUrl}/v1/runs" enctype="text/plain"><input name='{"workflow":"test.chain","input":{"steps":1},"x":"' value='"}'><button>go</button></form>`);
    });
    await new Promise<void>((r) => evilSite.listen(0, '127.0.0.1', r));
    try {
      const evil = await page.context().newPage();
      await evil.goto(`http://localhost:${(evilSite.address() as { port: number }).port}/`);
      await evil.getByRole('button', { name: 'go' }).click();
      await evil.waitForURL(`${env.w.httpUrl}/v1/runs`);
      assert.match(await evil.content(), /cross_origin_request|unauthenticated/);
    } finally {
      await new Promise((r) => evilSite.close(r));
    }
    assert.equal((await env.pool.query('SELECT count(*)::int AS n FROM waymark.runs')).rows[0].n, before, 'no run was started');

    // The console itself (same origin, with the token) may.
    const ok = await page.evaluate(async (b) => {
      const me = (await (await fetch('/console/session')).json()) as { csrfToken: string };
      const r = await fetch('/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json', 'x-waymark-csrf': me.csrfToken }, body: b });
      return r.status;
    }, body);
    assert.equal(ok, 201);
    await page.context().close();
  });

  test('sign-out ends the session; revoking the key ends its sessions', async () => {
    const page = await signIn(env.w.adminKey);
    const cookie = await cookieOf(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    assert.equal((await fetch(`${env.w.httpUrl}/v1/runs`, { headers: { cookie } })).status, 401, 'the old cookie no longer works');
    await page.context().close();

    const key = await newKey('carol@example.com', ['operator']);
    const other = await signIn(key);
    const otherCookie = await cookieOf(other);
    assert.equal((await fetch(`${env.w.httpUrl}/v1/runs`, { headers: { cookie: otherCookie } })).status, 200);
    const keyId = key.split('_')[1]!;
    assert.equal((await env.w.api('POST', `/v1/keys/${keyId}/revoke`)).status, 200);
    assert.equal((await fetch(`${env.w.httpUrl}/v1/runs`, { headers: { cookie: otherCookie } })).status, 401);
    // The open page finds out at its next request and shows the sign-in page.
    await other.getByRole('link', { name: 'Approvals' }).click();
    await other.getByText('Your session has ended').waitFor();
    await other.context().close();
  });
});
