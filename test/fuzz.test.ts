/**
 * 10,000 malformed requests against a real listening Waymark, from a seeded random generator
 * (FUZZ_SEED to replay another run): bad methods, paths and percent-encoding, huge and odd
 * headers, bad JSON, wrong content types and encodings, bodies of the wrong shape for every
 * route, oversize bodies, requests cut off mid-body. None may get a 5xx; every error is a
 * problem document without stack, path or SQL; nothing is written; nothing is logged as an error.
 *
 * Every well-formed request carries `authHeaders` — the admin key, so the requests reach the
 * handlers (a share of them are sent without it, or with a broken one).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import pino from 'pino';
import { useFixtureEnv } from './fixture-env.js';

const REQUESTS = 10_000;
const SOCKETS = 24;
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_611);
const BODY_LIMIT = 64 * 1024;

/** Headers every well-formed request carries: the admin key (set when the server is up). */
const authHeaders: Record<string, string> = {};

const errorLogs: string[] = [];
const logger = pino({ level: 'warn' }, new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) if ((JSON.parse(line) as { level: number }).level >= 50) errorLogs.push(line);
    done();
  },
}));

const env = useFixtureEnv('fuzz', {
  waymark: {
    logger,
    // The rate limit stays on, far above what the fuzzer sends: the requests must reach the handlers.
    config: { rateLimitPerMinute: 10_000_000, bodyLimit: '64kb', webhookSecrets: { fuzz: 'fuzz-secret' } },
  },
});

/** Every route of the API (src/http/routes-*.ts and app.ts), `:x` for path parameters. */
const ROUTES: [string, string][] = [
  ['GET', '/healthz'], ['GET', '/readyz'], ['GET', '/v1/workflows'], ['GET', '/v1/workers'], ['GET', '/v1/versions'],
  ['POST', '/v1/runs'], ['GET', '/v1/runs'], ['GET', '/v1/runs/:id'], ['GET', '/v1/runs/:id/timeline'],
  ['POST', '/v1/runs/:id/cancel'], ['POST', '/v1/runs/:id/resume'], ['POST', '/v1/runs/:id/fork'],
  ['GET', '/v1/runs/:id/tool-calls'], ['POST', '/v1/runs/:id/tool-calls/:key/resolve'],
  ['GET', '/v1/approvals'], ['GET', '/v1/approvals/:id'], ['POST', '/v1/approvals/:id/decision'],
  ['GET', '/v1/dead-letters'], ['GET', '/v1/dead-letters/:runId'], ['POST', '/v1/dead-letters/:runId/retry'], ['POST', '/v1/dead-letters/:runId/discard'],
  ['POST', '/v1/events/:source'],
  ['GET', '/v1/me'], ['GET', '/v1/inbox'], ['GET', '/v1/keys'], ['POST', '/v1/keys'], ['POST', '/v1/keys/:id/revoke'], ['GET', '/v1/audit-log'],
  ['GET', '/v1/runs/:id/cost'], ['GET', '/v1/costs'], ['GET', '/v1/runs/:id/stream'],
];
/** Keys each route's body knows, given values of the wrong kind. */
const BODY_KEYS = ['name', 'roles', 'workflow', 'input', 'fromStep', 'appVersion', 'decision', 'edits', 'comment', 'by', 'reason', 'happened', 'output', 'id', 'type', 'key', 'data'];
const LEAKS = [/\s+at\s+\S+\s+\(/, /\/work\//, /node_modules/, /\.ts:\d+/, /\bselect\b.*\bfrom\b/i, /insert into/i, /"stack"/, /\bpg_/, /waymark\.\w+/];

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FuzzRequest {
  kind: string;
  bytes: Buffer;
  /** Cut off after the bytes: no answer is expected. */
  abort: boolean;
  head: boolean;
}

function generator(rand: () => number) {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number) => rand() < p;
  const str = (max: number) => {
    const alphabet = Array.from('abcXYZ019-_.~ %/?#&=+é字😀\\"\'<>{}[]\u0000\u0007');
    return Array.from({ length: int(max) }, () => alphabet[int(alphabet.length)]).join('');
  };
  const value = (depth: number): unknown => {
    switch (int(depth > 2 ? 6 : 9)) {
      case 0: return null;
      case 1: return chance(0.5);
      case 2: return pick([-1, 0, 1.5, 2 ** 31, -(2 ** 53), 1e308, Number.MAX_SAFE_INTEGER, 42]);
      case 3: return str(40);
      case 4: return 'x'.repeat(int(2000));
      case 5: return pick(['approve', 'reject', 'test.chain', '', 'yes', 'true', '0']);
      case 6: return Array.from({ length: int(5) }, () => value(depth + 1));
      default: return Object.fromEntries(Array.from({ length: int(6) }, () => [chance(0.7) ? pick(BODY_KEYS) : str(12), value(depth + 1)]));
    }
  };
  const id = () => pick([str(10), 'x'.repeat(int(400)), '%zz', '%C0%AF', '%', '%E0%A4%A', '..', '%2e%2e', '%00', encodeURIComponent(str(20)), 'run-1', '😀', '%F0%9F%98']);
  const path = (template: string) => template.replace(/:\w+/g, () => id());
  const query = () => pick(['', `?limit=${pick(['0', '-1', '201', 'abc', '1e3', ''])}`, `?cursor=${str(30)}`, `?status=${str(8)}`, '?limit=1&limit=2', `?${str(50)}`, '?phase=%zz', `?x=${'y'.repeat(3000)}`]);
  /** A JSON body that never starts a run: unknown workflows, or inputs no fixture accepts. */
  const body = (route: string): string => {
    const v = value(0);
    if (route === '/v1/runs' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.workflow === 'string') o.workflow = chance(0.5) ? `nope.${o.workflow}` : 'test.chain';
      if (o.workflow === 'test.chain') o.input = pick(['string', 7, [1, 2], true]);
    }
    return JSON.stringify(v) ?? 'null';
  };

  return (): FuzzRequest => {
    const [method, template] = pick(ROUTES);
    let m = method;
    let target = path(template) + (method === 'GET' ? query() : chance(0.1) ? query() : '');
    // One request in ten comes without the key, or with a broken one.
    const auth = chance(0.9) ? Object.entries(authHeaders) : chance(0.5) ? [] : [['Authorization', pick(['Bearer', 'Bearer wmk_', `Bearer ${'x'.repeat(5000)}`, 'Basic Og=='])] as [string, string]];
    const headers: [string, string][] = [['Host', pick(['127.0.0.1', 'localhost', '[::1]:1'])], ['Connection', 'close'], ...auth];
    let payload: Buffer = Buffer.alloc(0);
    let kind: string;
    let abort = false;
    const json = () => headers.push(['Content-Type', pick(['application/json', 'application/json; charset=utf-8', 'application/problem+json'])]);
    switch (int(12)) {
      case 0:
        kind = 'method';
        m = pick(['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'FOO', 'get', 'POST', 'GET', 'CONNECT', 'M-SEARCH', 'PROPFIND']);
        if (m === 'CONNECT') target = '127.0.0.1:1';
        break;
      case 1:
        kind = 'path';
        target = pick([`/${str(30)}`, `/v1/${'a/'.repeat(int(300))}`, '//v1//runs', '/v1/runs/%', '/%zz', `/v1/runs/${'%41'.repeat(1000)}`, '*', `/v1/runs/${str(5)}#frag`, 'http://attacker.example/v1/runs', `/v1/runs?${str(20)}`]);
        break;
      case 2: {
        kind = 'headers';
        const variant = int(10);
        if (variant < 2) headers.push(['X-Huge', 'h'.repeat(int(40_000))]);
        else if (variant < 4) for (let i = 0; i < int(300); i++) headers.push([`X-H${i}`, Array.from(str(10)).filter((c) => c >= ' ' && c !== '\u007f').join('')]);
        else headers.push(pick<[string, string]>([['Content-Length', '-1'], ['Content-Length', 'abc'], ['Transfer-Encoding', 'chunked'], ['Host', 'attacker.example'], ['Origin', 'http://attacker.example'], ['Sec-Fetch-Site', 'cross-site'], ['Bad Header', 'x'], ['X-Ctl', 'a\u0001b'], ['Idempotency-Key', str(300)], ['X-Request-Id', str(200)], ['Expect', '100-continue'], ['Content-Encoding', 'gzip']]));
        if (m === 'POST') {
          json();
          payload = Buffer.from(body(template));
        }
        break;
      }
      case 3:
        kind = 'bad-json';
        json();
        payload = Buffer.from(pick(['{', '{"workflow":', '[1,2', 'nul', '"\\u12"', '{"a":1}}', '\u0000', str(50), '{"workflow":"test.chain","input":{"steps":1}} trailing', 'NaN', '1e999999']));
        break;
      case 4:
        kind = 'content-type';
        headers.push(['Content-Type', pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1', 'application/json; charset=utf-16', '', 'application/jsonx', '*/*'])]);
        payload = Buffer.from(pick(['a=1&b=2', '{}', '<x/>', body(template)]));
        break;
      case 5: {
        kind = 'content-encoding';
        json();
        const encoded = gzipSync(body(template));
        const [encoding, bytes] = pick<[string, Buffer]>([
          ['gzip', Buffer.from(str(40))], ['gzip', encoded.subarray(0, Math.max(1, encoded.length - 1 - int(8)))], ['deflate', Buffer.from([1, 2, 3, 4])],
          ['br', Buffer.from('not brotli')], ['x-unknown', Buffer.from('{}')], ['gzip, gzip', encoded], ['identity', Buffer.from(body(template))],
        ]);
        headers.push(['Content-Encoding', encoding]);
        payload = bytes;
        break;
      }
      case 6:
        if (chance(0.5)) {
          kind = 'shape';
          json();
          payload = Buffer.from(body(template));
          break;
        }
        kind = 'oversize';
        json();
        payload = Buffer.from(JSON.stringify({ workflow: 'nope', input: 'x'.repeat(BODY_LIMIT + int(BODY_LIMIT)) }));
        break;
      case 7:
        kind = 'abort';
        json();
        payload = Buffer.from(body(template)).subarray(0, 10);
        headers.push(['Content-Length', String(payload.length + 100 + int(1000))]);
        abort = true;
        m = 'POST';
        break;
      default:
        kind = 'shape';
        if (m === 'POST' || chance(0.1)) {
          json();
          payload = Buffer.from(body(template));
        }
    }
    if (payload.length > 0 && !headers.some(([k]) => k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding')) headers.push(['Content-Length', String(payload.length)]);
    if (headers.some(([k, v]) => k === 'Transfer-Encoding' && v === 'chunked')) {
      // A chunked body, sometimes with a chunk size that is not hex.
      payload = Buffer.concat([Buffer.from(`${chance(0.5) ? payload.length.toString(16) : 'zz'}\r\n`), payload, Buffer.from('\r\n0\r\n\r\n')]);
    }
    const head = `${m} ${target} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
    return { kind, bytes: Buffer.concat([Buffer.from(head, 'latin1'), payload]), abort, head: m === 'HEAD' };
  };
}

interface FuzzAnswer {
  status: number;
  contentType: string;
  body: string;
}

function send(port: number, r: FuzzRequest): Promise<FuzzAnswer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer in 30 s to ${r.kind}: ${r.bytes.subarray(0, 200).toString('latin1')}`));
    }, 30_000);
    socket.on('connect', () => {
      socket.write(r.bytes, () => {
        if (!r.abort) return;
        clearTimeout(timer);
        socket.destroy();
        resolve(undefined);
      });
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    // The server may answer and close before reading everything we sent (a refused oversize body).
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (r.abort) return;
      const text = Buffer.concat(chunks).toString('utf8');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!m) {
        reject(new Error(`no status line for ${r.kind}: ${r.bytes.subarray(0, 200).toString('latin1')} -> ${JSON.stringify(text.slice(0, 200))}`));
        return;
      }
      const split = text.indexOf('\r\n\r\n');
      const headers = text.slice(0, split);
      let body = text.slice(split + 4);
      if (/^transfer-encoding: chunked/im.test(headers)) body = body.replace(/^[0-9a-f]+\r\n/gim, '').replace(/\r\n/g, '');
      resolve({ status: Number(m[1]), contentType: /^content-type: (.*)$/im.exec(headers)?.[1]?.trim() ?? '', body });
    });
  });
}

async function tableCounts(): Promise<Record<string, number>> {
  const { rows: tables } = await env.pool.query<{ name: string }>(
    `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND (table_schema = 'waymark' OR (table_schema = 'dbos' AND table_name = 'workflow_status')) ORDER BY 1`,
  );
  const out: Record<string, number> = {};
  // A refused request is audited (access.denied): that is the one write a request may cause.
  for (const { name } of tables) {
    const where = name === 'waymark.audit_log' ? ` WHERE action <> 'access.denied'` : '';
    out[name] = Number((await env.pool.query(`SELECT count(*) AS n FROM ${name}${where}`)).rows[0].n);
  }
  return out;
}

test(`${REQUESTS} malformed requests: no 5xx, only clean problem documents, nothing written`, async () => {
  authHeaders.authorization = `Bearer ${env.w.adminKey}`;
  const before = await tableCounts();
  assert.ok(Object.keys(before).length > 5, 'the waymark tables are counted');
  const port = Number(new URL(env.w.httpUrl).port);
  const next = generator(prng(SEED));
  const requests = Array.from({ length: REQUESTS }, next);
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let answered = 0;
  let cursor = 0;
  await Promise.all(
    Array.from({ length: SOCKETS }, async () => {
      while (cursor < requests.length) {
        const r = requests[cursor++]!;
        const a = await send(port, r);
        if (!a) continue;
        answered++;
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        const what = `${r.kind} ${r.bytes.subarray(0, 120).toString('latin1').split('\r\n')[0]} -> ${a.status} ${a.body.slice(0, 300)}`;
        if (a.status >= 500) failures.push(`5xx: ${what}`);
        if (a.status >= 400 && !r.head) {
          if (!/^application\/problem\+json/.test(a.contentType)) failures.push(`not a problem: ${what}`);
          else {
            try {
              const p = JSON.parse(a.body) as { code?: unknown; status?: unknown };
              if (typeof p.code !== 'string' || p.status !== a.status) failures.push(`bad problem: ${what}`);
            } catch {
              failures.push(`problem not JSON: ${what}`);
            }
          }
          for (const leak of LEAKS) if (leak.test(a.body)) failures.push(`leak ${leak}: ${what}`);
        }
      }
    }),
  );
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} failures (seed ${SEED})`);
  // The fuzzer reached the handlers, not only the edge: validation and not-found answers came back.
  assert.ok((statuses.get(422) ?? 0) > 200 && (statuses.get(404) ?? 0) > 200 && (statuses.get(400) ?? 0) > 200, JSON.stringify([...statuses]));
  assert.ok(answered > REQUESTS * 0.8, `${answered} answered`);
  assert.deepEqual(await tableCounts(), before, 'nothing was written');
  assert.deepEqual(errorLogs, [], 'nothing logged as an error');
});
