/**
 * The OpenAPI document and the typed client against a real listening Waymark: the served
 * document is valid OpenAPI 3.1 and the one checked in; every route the Express app answers is
 * in it; the client starts, reads and operates runs over HTTP and throws a typed error carrying
 * the problem, whose code the document lists for that operation; the CLI uses it with `--url`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Express } from 'express';
import { WaymarkApiError, WaymarkClient, type OperationId } from '../src/client.js';
import { createLogger } from '../src/logger.js';
import { createApp } from '../src/server.js';
import { ConsoleSessionService } from '../src/service/console-sessions.js';
import { ROOT, runCli, waitFor, type CliResult } from './helpers.js';
import { useFixtureEnv } from './fixture-env.js';

const env = useFixtureEnv('openapi');

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * Routes the app registers that are deliberately not in the API document: the operator
 * console's page and the API client's modules it loads (`http/console-static.ts`). They are
 * files for browsers, the same for everyone and without data, not operations of the API; the
 * console's other files are served by `express.static` under `/console/`, which registers no
 * route. The console's session routes (`/console/session`) are API operations and are documented.
 */
const NOT_API_OPERATIONS = ['GET /', 'GET /console/client/{module}'];

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; security?: unknown[]; responses: Record<string, any> }>>;
}

/** `METHOD /path` of every route the app registers, in OpenAPI path form, found by walking its routers. */
function registeredRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: any[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route) {
        const paths: string[] = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          for (const m of Object.keys(layer.route.methods as Record<string, boolean>)) {
            found.push(`${m.toUpperCase()} ${(prefix + p).replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
          }
        }
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as any).router.stack, '');
  return found.sort();
}

function documentedRoutes(doc: Doc): string[] {
  return Object.entries(doc.paths)
    .flatMap(([p, item]) => METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${p}`))
    .sort();
}

/** The problem codes the document lists for an operation at a status. */
function documentedCodes(doc: Doc, operationId: OperationId, status: number): string[] {
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item)) {
      if (op.operationId !== operationId) continue;
      const schema = op.responses[String(status)]?.content?.['application/problem+json']?.schema;
      return schema?.allOf?.[1]?.properties?.code?.enum ?? [];
    }
  }
  throw new Error(`no operation ${operationId}`);
}

async function servedDocument(): Promise<Doc> {
  const res = await env.w.api('GET', '/v1/openapi.json');
  assert.equal(res.status, 200);
  assert.match(res.type, /^application\/json/);
  return res.body as Doc;
}

describe('the OpenAPI document', () => {
  test('is served to authenticated callers only, is valid OpenAPI 3.1, and is the one checked in as docs/openapi.json', async () => {
    const anonymous = await fetch(`${env.w.httpUrl}/v1/openapi.json`);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { code: string }).code, 'unauthenticated');

    const viewer = await env.w.apiAs('doc-reader', ['viewer']);
    const doc = (await viewer('GET', '/v1/openapi.json')).body as Doc;
    assert.equal(doc.openapi, '3.1.1');
    const result = await new Validator().validate(structuredClone(doc) as unknown as Parameters<Validator['validate']>[0]);
    assert.deepEqual(result.errors, undefined);
    assert.equal(result.valid, true);
    const checkedIn = JSON.parse(readFileSync(path.join(ROOT, 'docs/openapi.json'), 'utf8')) as Doc;
    assert.deepEqual(doc, checkedIn, 'docs/openapi.json is stale: run `npm run openapi`');
  });

  test('lists every route the Express app registers, and nothing it does not', async () => {
    const s = env.w.server;
    // With sessions, as `startWaymark` builds it: the console's routes are mounted too.
    const sessions = new ConsoleSessionService({ db: s.db, keys: s.keys, ttlMs: 60_000 });
    const app = createApp({ ...s, sessions, logger: createLogger('warn') });
    const registered = registeredRoutes(app);
    assert.ok(registered.length >= 38, `the walk found only ${registered.length} routes: does it still understand the router?`);
    for (const excluded of NOT_API_OPERATIONS) assert.ok(registered.includes(excluded), `${excluded} is no longer registered: drop it from NOT_API_OPERATIONS`);
    assert.deepEqual(documentedRoutes(await servedDocument()), registered.filter((r) => !NOT_API_OPERATIONS.includes(r)));
  });

  test('names the permission, security and problem codes of each operation', async () => {
    const doc = await servedDocument();
    const health = doc.paths['/healthz']!.get!;
    assert.deepEqual(health.security, []);
    const webhook = doc.paths['/v1/events/{source}']!.post!;
    assert.deepEqual(webhook.security, [{ webhookSignature: [] }]);
    assert.deepEqual(documentedCodes(doc, 'ingestEvent', 401), ['invalid_signature']);
    assert.deepEqual(documentedCodes(doc, 'cancelRun', 409), ['run_not_cancellable']);
    assert.ok(documentedCodes(doc, 'startRun', 422).includes('invalid_input'));
    assert.ok(documentedCodes(doc, 'listKeys', 403).includes('forbidden'));
    assert.equal((doc.paths['/v1/keys']!.get as any)['x-waymark-permission'], 'admin');
  });
});

describe('the typed client against a listening Waymark', () => {
  test('starts, reads, lists and cancels runs; an Idempotency-Key returns the same run', async () => {
    const client = new WaymarkClient({ baseUrl: env.w.httpUrl, apiKey: env.w.adminKey });
    const me = await client.me();
    assert.equal(me.name, 'test-admin');
    assert.equal(me.tenantId, 'default');
    assert.ok((await client.workflows()).workflows.some((w) => w.name === 'test.wait-for-go'));

    const run = await client.runs.start({ workflow: 'test.wait-for-go', input: {} }, { idempotencyKey: 'openapi-client-1' });
    const again = await client.runs.start({ workflow: 'test.wait-for-go', input: {} }, { idempotencyKey: 'openapi-client-1' });
    assert.equal(again.id, run.id);
    assert.equal((await client.runs.get(run.id)).workflow, 'test.wait-for-go');
    const page = await client.runs.list({ workflow: 'test.wait-for-go', limit: 5 });
    assert.ok(page.runs.some((r) => r.id === run.id));

    await waitFor('the run executes', async () => (await client.runs.get(run.id)).status === 'PENDING');
    const cancelled = await client.runs.cancel(run.id);
    assert.equal(cancelled.id, run.id);
    const timeline = await client.runs.timeline(run.id);
    assert.equal(timeline.runId, run.id);
    assert.ok(timeline.entries.length > 0);
  });

  test('waits for a run\'s result, lists by business key and manages schedules', async () => {
    const client = new WaymarkClient({ baseUrl: env.w.httpUrl, apiKey: env.w.adminKey });
    const run = await client.runs.start({ workflow: 'test.wait-for-go', input: {}, businessKey: 'openapi:client' });
    assert.equal(run.businessKey, 'openapi:client');
    assert.deepEqual((await client.runs.list({ key: 'openapi:client' })).runs.map((r) => r.id), [run.id]);
    // Not ended: the state when the (zero) wait is over.
    assert.ok(['ENQUEUED', 'PENDING'].includes((await client.runs.result(run.id)).status));
    await waitFor('the run executes', async () => (await client.runs.get(run.id)).status === 'PENDING');
    await client.runs.cancel(run.id);
    assert.equal((await client.runs.result(run.id, { wait: '5s' })).status, 'CANCELLED');

    const created = await client.schedules.create({ name: 'openapi-client', workflow: 'test.wait-for-go', cron: '0 9 * * 1-5', timezone: 'Europe/Paris' });
    assert.equal(created.paused, false);
    assert.equal((await client.schedules.get('openapi-client')).cron, '0 9 * * 1-5');
    assert.equal((await client.schedules.pause('openapi-client')).paused, true);
    assert.equal((await client.schedules.resume('openapi-client')).paused, false);
    assert.ok((await client.schedules.list()).schedules.some((x) => x.name === 'openapi-client'));
    await client.schedules.delete('openapi-client');
    await assert.rejects(client.schedules.get('openapi-client'), (e: unknown) => e instanceof WaymarkApiError && e.code === 'schedule_not_found');
  });

  test('a problem answer is a WaymarkApiError with the problem, and its code is one the document lists', async () => {
    const doc = await servedDocument();
    const client = new WaymarkClient({ baseUrl: env.w.httpUrl, apiKey: env.w.adminKey });
    const expectProblem = async (operationId: OperationId, call: Promise<unknown>, status: number, code: string): Promise<WaymarkApiError> => {
      const e = await call.then(
        () => assert.fail(`${operationId} succeeded`),
        (err: unknown) => err,
      );
      assert.ok(e instanceof WaymarkApiError, `a WaymarkApiError, got ${String(e)}`);
      assert.equal(e.status, status);
      assert.equal(e.code, code);
      assert.equal(e.problem.type, `urn:waymark:problem:${code}`);
      assert.ok(e.requestId, 'the x-request-id of the answer');
      assert.ok(documentedCodes(doc, operationId, status).includes(code), `${operationId} documents ${status} ${code}`);
      return e;
    };

    await expectProblem('getRun', client.runs.get('no-such-run'), 404, 'run_not_found');
    const invalid = await expectProblem('startRun', client.call('startRun', { body: { workflow: '' } }), 422, 'invalid_body');
    assert.deepEqual(invalid.problem.issues?.[0]?.path, ['workflow']);
    await expectProblem('startRun', client.runs.start({ workflow: 'test.wait-for-go' }, { idempotencyKey: 'has spaces' }), 422, 'invalid_headers');
    await expectProblem('getRunTimeline', client.runs.timeline('no-such-run'), 404, 'run_not_found');

    const viewerKey = (await env.w.server.keys.create(env.w.server.scope({ actor: 'test-setup' }), { name: 'client-viewer', roles: ['viewer'] })).key;
    const viewer = new WaymarkClient({ baseUrl: env.w.httpUrl, apiKey: viewerKey });
    await expectProblem('startRun', viewer.runs.start({ workflow: 'test.wait-for-go', input: {} }), 403, 'forbidden');
    await expectProblem('listKeys', viewer.keys.list(), 403, 'forbidden');

    const nobody = new WaymarkClient({ baseUrl: env.w.httpUrl, apiKey: 'wmk_0000000000000000_not-a-key' });
    await expectProblem('getMe', nobody.me(), 401, 'unauthenticated');
  });
});

/** Runs `waymark <args>` from source against the listening server, with no database URL at all. */
function cli(args: string[], apiKey: string): Promise<CliResult> {
  const { DATABASE_URL: _none, ...rest } = process.env;
  return runCli(args, { ...rest, WAYMARK_URL: env.w.httpUrl, WAYMARK_API_KEY: apiKey, LOG_LEVEL: 'warn' });
}

describe('the CLI over HTTP (WAYMARK_URL + WAYMARK_API_KEY)', () => {
  test('starts and shows a run through the server; a problem prints its code and exits 1', async () => {
    const started = await cli(['runs', 'start', 'test.wait-for-go', '--input', '{}'], env.w.adminKey);
    assert.equal(started.code, 0, started.stderr);
    const { run } = JSON.parse(started.stdout) as { run: { id: string; createdBy: string } };
    assert.equal(run.createdBy, 'test-admin', 'the run was started as the API key, not as the database');
    const shown = await cli(['runs', 'show', run.id], env.w.adminKey);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal((JSON.parse(shown.stdout) as { run: { id: string } }).run.id, run.id);

    const missing = await cli(['runs', 'show', 'no-such-run'], env.w.adminKey);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error \[run_not_found\]: /);
    const viewerKey = (await env.w.server.keys.create(env.w.server.scope({ actor: 'test-setup' }), { name: 'cli-viewer', roles: ['viewer'] })).key;
    const refused = await cli(['runs', 'cancel', run.id], viewerKey);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error \[forbidden\]: /);
    const tenant = await cli(['--tenant', 'acme', 'runs', 'list'], env.w.adminKey);
    assert.equal(tenant.code, 1);
    assert.match(tenant.stderr, /^error \[invalid_arguments\]: --tenant/);
    await env.w.runs.cancel(run.id);
  });
});
