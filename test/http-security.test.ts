/**
 * Attacks on the HTTP API from outside, each against a real listening server: DNS rebinding
 * (a foreign Host), cross-site requests (a foreign Origin cancelling a run, a body-less POST
 * from a form), malformed percent-encoding and undecodable bodies (never a 500), a client
 * that aborts mid-body (no error logged), errors served with SQL, constraints and stacks, an
 * API on every interface without TLS, and callers that flood it (rate limit).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import pino from 'pino';
import { createApp } from '../src/http/app.js';
import { allowedHostsFor, assertSafeListen, serveHttp, type HttpServer } from '../src/http/serve.js';
import { startWaymark } from '../src/server.js';
import { useFixtureEnv } from './fixture-env.js';
import { leakyWorkflows } from './fixtures/leaky-workflows.js';
import { workflows } from './fixtures/workflows.js';
import { ROOT, waitFor } from './helpers.js';
import { rawRequest, type RawResponse } from './support/raw-http.js';

/** Every log line of the in-process Waymark, parsed. */
const logLines: { level: number; msg?: string; err?: { stack?: string } }[] = [];
const logger = pino({ level: 'debug' }, new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
    done();
  },
}));

const env = useFixtureEnv('http_security', { waymark: { workflows: [...workflows, ...leakyWorkflows], logger } });
const base = () => env.w.httpUrl;
const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => env.w.api(method, path, body, headers);
/** A hand-made request, with the admin key unless it names its own `authorization`. */
const raw = (opts: Parameters<typeof rawRequest>[1]) =>
  rawRequest(base(), { ...opts, headers: { authorization: `Bearer ${env.w.adminKey}`, ...opts.headers } });
const openGate = (id: string) => env.pool.query('INSERT INTO test_gates (run_id) VALUES ($1)', [id]);
const settled = (id: string) =>
  waitFor(`run ${id} settled`, async () => {
    const r = (await api('GET', `/v1/runs/${id}`)).body;
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  });

/** Text that must never reach a client: stacks, file paths, SQL, constraint and row data. */
const LEAKS = [/\s+at\s+\S+\s+\(/, /\/work\//, /node_modules/, /\.ts:\d+/, /insert into/i, /test_orders/, /pkey/, /Key \(id\)/, /"detail"\s*:\s*"Key/, /"stack"/, /"constraint"/, /"where"/];
function assertClean(text: string): void {
  for (const leak of LEAKS) assert.doesNotMatch(text, leak, `leaks ${leak}: ${text.slice(0, 500)}`);
}

function assertProblem(r: RawResponse | { status: number; type?: string; headers?: unknown; body: any }, status: number, code: string): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  const type = 'type' in r && typeof r.type === 'string' ? r.type : String((r as RawResponse).headers['content-type']);
  assert.match(type, /^application\/problem\+json/);
  assert.equal(r.body.code, code);
  assertClean(JSON.stringify(r.body));
}

describe('Host allow-list (DNS rebinding)', () => {
  test('a foreign Host is refused with 421; loopback names with any port are answered', async () => {
    assertProblem(await raw({ path: '/v1/runs', host: 'attacker.example' }), 421, 'host_not_allowed');
    assertProblem(await raw({ path: '/v1/runs', host: 'attacker.example:80' }), 421, 'host_not_allowed');
    assertProblem(await raw({ method: 'POST', path: '/v1/runs', host: 'rebind.attacker.example', headers: { 'content-type': 'application/json' }, body: '{}' }), 421, 'host_not_allowed');
    assertProblem(await raw({ path: '/healthz', host: null }), 421, 'host_not_allowed');
    const port = new URL(base()).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST', '127.0.0.1:1']) {
      assert.equal((await raw({ path: '/healthz', host })).status, 200, host);
    }
  });
});

describe('cross-origin requests and CSRF', () => {
  test('a cross-origin cancel with no body is refused and the run goes on; so is one with a JSON body', async () => {
    const started = await api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 2, blockAt: 0 } });
    assert.equal(started.status, 201);
    const id = started.body.id as string;
    await waitFor('run executing', async () => (await api('GET', `/v1/runs/${id}`)).body.status === 'PENDING');
    const attacker = { origin: 'http://attacker.example' };
    assertProblem(await raw({ method: 'POST', path: `/v1/runs/${id}/cancel`, headers: attacker }), 403, 'cross_origin_request');
    assertProblem(await raw({ method: 'POST', path: `/v1/runs/${id}/cancel`, headers: { ...attacker, 'content-type': 'text/plain' }, body: '{}' }), 403, 'cross_origin_request');
    assertProblem(await raw({ method: 'POST', path: `/v1/runs/${id}/cancel`, headers: { ...attacker, 'x-waymark-csrf': '1' } }), 403, 'cross_origin_request');
    assertProblem(await raw({ method: 'POST', path: `/v1/runs/${id}/cancel`, headers: { ...attacker, 'content-type': 'application/json' }, body: '{}' }), 403, 'cross_origin_request');
    assertProblem(await raw({ method: 'POST', path: `/v1/runs/${id}/cancel`, headers: { origin: 'null', 'content-type': 'application/json' }, body: '{}' }), 403, 'cross_origin_request');
    // Without Origin, a browser still says where the request comes from.
    assertProblem(await raw({ method: 'POST', path: `/v1/runs/${id}/cancel`, headers: { 'sec-fetch-site': 'cross-site', 'x-waymark-csrf': '1' } }), 403, 'cross_origin_request');
    // No CORS headers for anyone, allowed or not.
    const preflight = await raw({ method: 'OPTIONS', path: `/v1/runs/${id}/cancel`, headers: { ...attacker, 'access-control-request-method': 'POST' } });
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    assert.ok(preflight.status >= 400 && preflight.status < 500, String(preflight.status));

    assert.equal((await api('GET', `/v1/runs/${id}`)).body.status, 'PENDING', 'the run was not cancelled');
    await openGate(id);
    assert.equal((await settled(id)).status, 'SUCCESS');
  });

  test('a state-changing request needs a JSON body or x-waymark-csrf; a same-origin browser request passes', async () => {
    const started = await api('POST', '/v1/runs', { workflow: 'test.chain', input: { steps: 1, blockAt: 0 } });
    const id = started.body.id as string;
    assertProblem(await raw({ method: 'POST', path: `/v1/runs/${id}/cancel` }), 403, 'csrf_header_required');
    assertProblem(await raw({ method: 'POST', path: `/v1/runs/${id}/cancel`, headers: { 'content-length': '0' } }), 403, 'csrf_header_required');
    assertProblem(await raw({ method: 'DELETE', path: `/v1/runs/${id}` }), 403, 'csrf_header_required');
    // A form's body type is refused as such.
    assertProblem(await raw({ method: 'POST', path: `/v1/runs/${id}/cancel`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' }), 415, 'unsupported_media_type');
    assert.equal((await api('GET', `/v1/runs/${id}`)).body.phase !== 'cancelled', true);
    // The page the API serves itself (same host and port) may act.
    const own = new URL(base());
    const r = await raw({ method: 'POST', path: `/v1/runs/${id}/cancel`, headers: { origin: own.origin, 'sec-fetch-site': 'same-origin', 'x-waymark-csrf': '1' } });
    assert.equal(r.status, 200, r.text);
    assert.equal((await settled(id)).status, 'CANCELLED');
  });

  test('CORS origins, when configured, get CORS headers and answered preflights; others are still refused', async () => {
    await withApp({ corsOrigins: ['https://console.example'] }, async (url) => {
      const pre = await rawRequest(url, { method: 'OPTIONS', path: '/v1/runs', headers: { origin: 'https://console.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers['access-control-allow-origin'], 'https://console.example');
      assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
      assert.match(String(pre.headers['access-control-allow-headers']), /content-type/);
      const list = await rawRequest(url, { path: '/v1/runs?limit=1', headers: { authorization: `Bearer ${env.w.adminKey}`, origin: 'https://console.example', 'sec-fetch-site': 'cross-site' } });
      assert.equal(list.status, 200, list.text);
      assert.equal(list.headers['access-control-allow-origin'], 'https://console.example');
      assert.match(String(list.headers.vary), /origin/i);
      assertProblem(await rawRequest(url, { path: '/v1/runs', headers: { origin: 'https://other.example' } }), 403, 'cross_origin_request');
    });
  });
});

describe('malformed requests are 4xx problems, never 500s', () => {
  const ROUTES = [
    ['GET', '/v1/runs/%ID%'], ['GET', '/v1/runs/%ID%/timeline'], ['POST', '/v1/runs/%ID%/cancel'], ['POST', '/v1/runs/%ID%/resume'],
    ['POST', '/v1/runs/%ID%/fork'], ['GET', '/v1/runs/%ID%/tool-calls'], ['POST', '/v1/runs/x/tool-calls/%ID%/resolve'],
    ['POST', '/v1/runs/%ID%/tool-calls/k/resolve'], ['GET', '/v1/approvals/%ID%'], ['POST', '/v1/approvals/%ID%/decision'],
    ['GET', '/v1/dead-letters/%ID%'], ['POST', '/v1/dead-letters/%ID%/retry'], ['POST', '/v1/dead-letters/%ID%/discard'],
    ['POST', '/v1/events/%ID%'], ['GET', '/v1/nothing/%ID%'],
  ];

  test('malformed percent-encoding in any path parameter is a 400 malformed_path', async () => {
    for (const bad of ['%zz', '%C0%AF', '%', '%E0%A4%A', '%FF', 'a%2']) {
      for (const [method, path] of ROUTES) {
        const r = await raw({ method, path: path!.replace('%ID%', bad), headers: { 'content-type': 'application/json' }, body: '{}' });
        assertProblem(r, 400, 'malformed_path');
      }
    }
  });

  test('undecodable bodies: corrupt or truncated gzip is 400, an unknown encoding or charset is 415; nothing is written', async () => {
    const before = (await env.pool.query('SELECT count(*)::int AS n FROM waymark.runs')).rows[0].n;
    const json = { 'content-type': 'application/json' };
    const good = gzipSync(JSON.stringify({ workflow: 'test.chain', input: { steps: 1 } }));
    for (const path of ['/v1/runs', '/v1/events/github']) {
      assertProblem(await raw({ method: 'POST', path, headers: { ...json, 'content-encoding': 'gzip' }, body: Buffer.from('this is not gzip at all') }), 400, 'malformed_body');
      assertProblem(await raw({ method: 'POST', path, headers: { ...json, 'content-encoding': 'gzip' }, body: good.subarray(0, good.length - 8) }), 400, 'malformed_body');
      assertProblem(await raw({ method: 'POST', path, headers: { ...json, 'content-encoding': 'deflate' }, body: Buffer.from([1, 2, 3, 4, 5]) }), 400, 'malformed_body');
      assertProblem(await raw({ method: 'POST', path, headers: { ...json, 'content-encoding': 'x-unknown' }, body: '{}' }), 415, 'unsupported_encoding');
    }
    assertProblem(await raw({ method: 'POST', path: '/v1/runs', headers: { 'content-type': 'application/json; charset=latin1' }, body: '{}' }), 415, 'unsupported_encoding');
    assertProblem(await raw({ method: 'POST', path: '/v1/runs', headers: json, body: '{"workflow": "test.chain", "inp' }), 400, 'malformed_json');
    assert.equal((await env.pool.query('SELECT count(*)::int AS n FROM waymark.runs')).rows[0].n, before);
  });

  test('a client that aborts mid-body is logged at debug without a stack, never as an error', async () => {
    const errorsBefore = logLines.filter((l) => l.level >= 50).length;
    const debugBefore = logLines.filter((l) => /closed the connection/.test(l.msg ?? '')).length;
    const { hostname, port } = new URL(base());
    for (const path of ['/v1/runs', '/v1/events/github']) {
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect(Number(port), hostname, () => {
          socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${env.w.adminKey}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"workflow": "test.chain",`);
          setImmediate(() => {
            socket.destroy();
            resolve();
          });
        });
        socket.on('error', reject);
      });
    }
    await waitFor('the aborts logged', async () => logLines.filter((l) => /closed the connection/.test(l.msg ?? '')).length >= debugBefore + 2);
    const aborts = logLines.filter((l) => /closed the connection/.test(l.msg ?? ''));
    assert.ok(aborts.every((l) => l.level === 20 && l.err === undefined), JSON.stringify(aborts));
    assert.equal(logLines.filter((l) => l.level >= 50).length, errorsBefore, 'no error logged');
    assert.equal((await api('GET', '/healthz')).status, 200);
  });

  test('requests the HTTP parser refuses get a problem document', async () => {
    const { hostname, port } = new URL(base());
    const answer = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const socket = net.connect(Number(port), hostname, () => socket.write(request));
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        socket.on('error', reject);
      });
    const bad = await answer('GET /v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n');
    assert.match(bad, /^HTTP\/1\.1 400 /);
    assert.match(bad, /content-type: application\/problem\+json/i);
    assert.match(bad, /"code":"malformed_request"/);
    const huge = await answer(`GET /v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 431 /);
    assert.match(huge, /"code":"headers_too_large"/);
  });
});

describe('errors are served without stack, SQL, constraint or row data', () => {
  test('a unique violation in a business transaction: the run, its timeline and its dead letter show code and SQLSTATE only', async () => {
    const first = await api('POST', '/v1/runs', { workflow: 'test.order', input: { orderId: 'sec-dup-1' } });
    assert.equal((await settled(first.body.id)).status, 'SUCCESS');
    const second = await api('POST', '/v1/runs', { workflow: 'test.order', input: { orderId: 'sec-dup-1' } });
    const id = second.body.id as string;
    const run = await settled(id);
    assert.equal(run.status, 'ERROR');
    assert.deepEqual(run.error, { name: 'WaymarkError', code: 'database_error', sqlState: '23505', message: 'unique_violation' });
    await assertServedClean(id);
    // Recorded clean too: what DBOS stored for the step and the run names no table or constraint.
    const stored = await env.pool.query(
      `SELECT o.error AS step_error, w.error AS run_error FROM dbos.operation_outputs o, dbos.workflow_output w
       WHERE o.workflow_uuid = $1 AND w.workflow_uuid = $1 AND o.error IS NOT NULL`,
      [id],
    );
    assert.equal(stored.rowCount, 1);
    for (const text of Object.values(stored.rows[0] as Record<string, string>)) {
      assert.doesNotMatch(String(text), /test_orders|pkey|Key \(id\)|insert into/i);
    }
  });

  test('a raw pg error recorded by DBOS (stack, detail, constraint) is cleaned when served', async () => {
    await env.pool.query(`INSERT INTO test_orders (id, run_id) VALUES ('sec-dup-2', 'seed')`);
    const started = await api('POST', '/v1/runs', { workflow: 'test.raw-insert', input: { orderId: 'sec-dup-2' } });
    const id = started.body.id as string;
    const run = await settled(id);
    assert.equal(run.status, 'ERROR');
    assert.deepEqual(run.error, { name: 'DatabaseError', code: 'database_error', sqlState: '23505', message: 'unique_violation' });
    // The raw error is there in storage: the cleaning happens when it is served.
    const stored = await env.pool.query(`SELECT error FROM dbos.operation_outputs WHERE workflow_uuid = $1 AND error IS NOT NULL`, [id]);
    assert.match(String(stored.rows[0].error), /test_orders_pkey/);
    await assertServedClean(id);
  });

  async function assertServedClean(id: string): Promise<void> {
    const timeline = await api('GET', `/v1/runs/${id}/timeline`);
    assert.equal(timeline.status, 200);
    assertClean(JSON.stringify(timeline.body));
    const failedStep = timeline.body.entries.find((e: any) => e.type === 'step' && e.error);
    assert.equal(failedStep.error.sqlState, '23505');
    const dead = await waitFor('dead letter', async () => {
      const r = await api('GET', `/v1/dead-letters/${id}`);
      return r.status === 200 ? r.body : undefined;
    });
    assertClean(JSON.stringify(dead));
    assert.equal(dead.error.code, 'database_error');
    assert.equal(dead.failingStep.error.sqlState, '23505');
    const list = await api('GET', '/v1/dead-letters?limit=200');
    assertClean(JSON.stringify(list.body));
    assertClean(JSON.stringify((await api('GET', '/v1/runs?limit=200')).body));
  }

  test('an unexpected error is a bare 500 problem, logged once with the request id', async () => {
    await withApp({}, async (url) => {
      const r = await rawRequest(url, { path: '/v1/workers', headers: { authorization: `Bearer ${env.w.adminKey}`, 'x-request-id': 'boom-1' } });
      assertProblem(r, 500, 'internal_error');
      assert.equal(r.body.detail, 'An unexpected error occurred; it has been logged');
      const logged = logLines.filter((l) => (l as { requestId?: string }).requestId === 'boom-1' && l.level >= 50);
      assert.equal(logged.length, 1, JSON.stringify(logged));
    }, { workers: { list: () => Promise.reject(new Error('secret internal detail at /srv/app/x.ts:1')) } });
  });
});

describe('listening beyond loopback', () => {
  test('HOST=0.0.0.0 without TLS or a proxy refuses to start, before touching anything', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
      await assert.rejects(
        startWaymark({ http: true, worker: false, env: {}, config: { databaseUrl: env.url, host, port: 0 } }),
        (e: { code?: string; message?: string }) => e.code === 'insecure_listen' && /WAYMARK_TLS_CERT/.test(e.message ?? ''),
      );
    }
    // A proxy in front, but every interface and no names allowed: still refused.
    await assert.rejects(
      startWaymark({ http: true, worker: false, env: { WAYMARK_BEHIND_PROXY: '1' }, config: { databaseUrl: env.url, host: '0.0.0.0', port: 0 } }),
      (e: { code?: string; message?: string }) => e.code === 'insecure_listen' && /WAYMARK_ALLOWED_HOSTS/.test(e.message ?? ''),
    );
  });

  test('`waymark start` with HOST=0.0.0.0 and no TLS or proxy exits with insecure_listen', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: env.url, HOST: '0.0.0.0', PORT: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 1, stderr);
    assert.match(stderr, /error \[insecure_listen\]: HOST=0\.0\.0\.0 .*WAYMARK_TLS_CERT/);
  });

  test('with TLS files the API serves HTTPS; beyond loopback with TLS or a proxy and allowed names, it may start', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'waymark-tls-'));
    try {
      const certFile = path.join(dir, 'cert.pem');
      const keyFile = path.join(dir, 'key.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
      const tls = { certFile, keyFile };
      assert.doesNotThrow(() => assertSafeListen({ host: '0.0.0.0', tls, behindProxy: false, allowedHosts: ['waymark.test'] }));
      assert.doesNotThrow(() => assertSafeListen({ host: '10.1.2.3', tls: undefined, behindProxy: true, allowedHosts: [] }));
      assert.deepEqual(allowedHostsFor({ host: '10.1.2.3', allowedHosts: ['waymark.test'] }), ['waymark.test', '10.1.2.3']);
      assert.deepEqual(allowedHostsFor({ host: '0.0.0.0', allowedHosts: [] }), []);
      const app = createApp({ ...servicesOf(), logger, rateLimitPerMinute: 0, allowedHosts: ['waymark.test'] });
      const served = await serveHttp(app, { host: '127.0.0.1', port: 0, tls });
      try {
        assert.match(served.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        const get = (host: string) =>
          new Promise<number>((resolve, reject) => {
            const u = new URL(served.url);
            https.get({ hostname: u.hostname, port: u.port, path: '/healthz', headers: { host }, ca: readFileSync(certFile), servername: 'localhost' }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            }).on('error', reject);
          });
        assert.equal(await get('waymark.test'), 200);
        assert.equal(await get('attacker.example'), 421);
      } finally {
        await served.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rate limits', () => {
  test('a caller over its budget gets 429 rate_limited with Retry-After; others are not affected', async () => {
    const other = (await env.w.keys.create({ name: 'other-caller', roles: ['viewer'] })).key;
    await withApp({ rateLimitPerMinute: 5 }, async (url) => {
      const as = (key: string, opts: Parameters<typeof rawRequest>[1]) => rawRequest(url, { ...opts, headers: { authorization: `Bearer ${key}`, ...opts.headers } });
      for (let i = 0; i < 5; i++) assert.equal((await as(env.w.adminKey, { path: '/v1/runs' })).status, 200);
      const over = await as(env.w.adminKey, { path: '/v1/runs' });
      assertProblem(over, 429, 'rate_limited');
      const retryAfter = Number(over.headers['retry-after']);
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, String(over.headers['retry-after']));
      assert.equal((await as(env.w.adminKey, { method: 'POST', path: '/v1/runs', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 429);
      // The budget is the key's: another key is answered.
      assert.equal((await as(other, { path: '/v1/runs' })).status, 200);
    });
  });
});

/** The API of the running Waymark on a second listener, with other HTTP settings. */
async function withApp(
  opts: { corsOrigins?: string[]; rateLimitPerMinute?: number },
  fn: (url: string) => Promise<void>,
  override: Record<string, unknown> = {},
): Promise<void> {
  const app = createApp({ ...servicesOf(), logger, rateLimitPerMinute: 0, ...opts, ...override });
  let served: HttpServer | undefined;
  try {
    served = await serveHttp(app, { host: '127.0.0.1', port: 0, tls: undefined });
    await fn(served.url);
  } finally {
    await served?.close();
  }
}

/** The services of the running Waymark, for an app of its own. */
function servicesOf() {
  const w = env.w;
  return {
    runs: w.server.runs, toolCalls: w.server.toolCalls, approvals: w.server.approvals, events: w.server.events, workers: w.server.workers,
    deadLetters: w.server.deadLetters, versions: w.server.versions, keys: w.server.keys, costs: w.server.costs, streams: w.server.streams, registry: w.registry, db: w.db,
  };
}
