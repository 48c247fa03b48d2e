/**
 * A run's live stream, `GET /v1/runs/{id}/stream`, read over a real listening server by a plain
 * HTTP client that parses the server-sent events: the tokens of a streaming model call while it
 * is still being answered (the scripted model server holds the answer), the finish with usage,
 * tool-call parts, phases and the end; a reconnect with `Last-Event-ID` that misses nothing and
 * repeats nothing; runs that complete without a reader, with a reader that reads nothing, and
 * with one that goes away; a replayed call (a fork) that streams nothing again; a retried call
 * with its attempt markers; secrets scrubbed from stored text; tenants, keys and retention.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { useFixtureEnv } from './fixture-env.js';
import { waitFor } from './helpers.js';
import { reply } from './support/model-server.js';

const env = useFixtureEnv('run_stream', { modelServer: true, waymark: { config: { leaseTtlMs: 3000 } } });

interface SseEvent {
  id: number;
  event: string;
  data: any;
}

/** A plain HTTP reader of an event stream. */
interface SseClient {
  status: number;
  contentType: string;
  events: SseEvent[];
  /** Resolves when the server ends the response. */
  ended: Promise<void>;
  /** The first event (in order) that matches. */
  until(what: string, pred: (e: SseEvent) => boolean): Promise<SseEvent>;
  /** Stops reading from the socket (the server's writes back up). */
  pause(): void;
  resume(): void;
  /** Goes away mid-stream. */
  close(): void;
  body: string;
}

function openStream(path: string, key: string | undefined, headers: Record<string, string> = {}): Promise<SseClient> {
  const url = new URL(`${env.w.httpUrl}${path}`);
  return new Promise((resolve, reject) => {
    const req = http.get(
      { hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers: { accept: 'text/event-stream', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } },
      (res) => {
        let buffer = '';
        let body = '';
        const events: SseEvent[] = [];
        const ended = new Promise<void>((r) => {
          res.on('end', () => r());
          res.on('close', () => r());
        });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const fields: Record<string, string> = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue;
              const i = line.indexOf(':');
              const name = i < 0 ? line : line.slice(0, i);
              fields[name] = (fields[name] ? `${fields[name]}\n` : '') + (i < 0 ? '' : line.slice(i + 1).replace(/^ /, ''));
            }
            if (fields.data !== undefined) events.push({ id: Number(fields.id), event: fields.event ?? 'message', data: JSON.parse(fields.data) });
          }
        });
        res.on('error', () => {});
        const client: SseClient = {
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          events,
          ended,
          get body() {
            return body;
          },
          until: (what, pred) => waitFor(what, () => Promise.resolve(events.find(pred))),
          pause: () => res.pause(),
          resume: () => res.resume(),
          close: () => req.destroy(),
        };
        resolve(client);
      },
    );
    req.on('error', reject);
  });
}

const start = async (workflow: string, input: unknown) => (await env.w.runs.start({ workflow, input })).run.id;
const settled = (id: string) =>
  waitFor(`run ${id} to finish`, async () => {
    const r = await env.w.runs.get(id);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  });
const streamPath = (id: string) => `/v1/runs/${id}/stream`;
/** Reads a run's whole stream from the start (the run must have ended). */
const readAll = async (id: string) => {
  const c = await openStream(streamPath(id), env.w.adminKey);
  assert.equal(c.status, 200);
  await c.ended;
  return c.events;
};
const textOf = (events: SseEvent[]) => events.filter((e) => e.event === 'text-delta').map((e) => e.data.delta).join('');
const assertNumbered = (events: SseEvent[]) => assert.deepEqual(events.map((e) => e.id), events.map((_, i) => i + 1), 'ids 1..n, no gap, no repeat');

const ANSWER = 'Durable runs stream their tokens to whoever reads them, and finish whether or not anyone does.';

describe('reading a streaming model call', () => {
  test('the tokens arrive while the model is still answering, then the finish with usage, the phases and the end', async () => {
    env.models.hold('live1');
    env.models.script('live1', reply.text(ANSWER, { prompt: 21, completion: 13 }));
    const id = await start('models.stream', { prompt: '[scenario:live1] stream it' });
    const sse = await openStream(streamPath(id), env.w.adminKey);
    assert.equal(sse.status, 200);
    assert.match(sse.contentType, /^text\/event-stream/);
    const first = await sse.until('a first text delta', (e) => e.event === 'text-delta');
    // The model server holds the rest of its answer: the reader has tokens of a call in flight.
    assert.ok(ANSWER.startsWith(first.data.delta) && first.data.delta.length < ANSWER.length, JSON.stringify(first.data));
    assert.equal((await env.w.runs.get(id)).status, 'PENDING');
    assert.equal(textOf(sse.events), first.data.delta);
    env.models.release('live1');
    await sse.ended;

    const events = sse.events;
    assertNumbered(events);
    assert.equal(textOf(events), ANSWER);
    const start_ = events.find((e) => e.event === 'model-start')!;
    assert.deepEqual([start_.data.attempt, start_.data.name, start_.data.model, typeof start_.data.callSite], [1, 'fixture-model', 'mock-1', 'number']);
    const finish = events.find((e) => e.event === 'model-finish')!;
    assert.equal(finish.data.finishReason, 'stop');
    assert.deepEqual([finish.data.usage.inputTokens, finish.data.usage.outputTokens], [21, 13]);
    assert.equal(finish.data.callSite, start_.data.callSite);
    const order = events.map((e) => e.event).filter((t, i, all) => t !== all[i - 1]);
    assert.deepEqual(order, ['phase', 'model-start', 'text-delta', 'model-finish', 'phase', 'end']);
    assert.deepEqual(events.filter((e) => e.event === 'phase').map((e) => [e.data.from, e.data.to]), [['queued', 'running'], ['running', 'completed']]);
    assert.deepEqual(events.at(-1)!.data.phase, 'completed');
    for (const e of events) assert.equal(e.data.type, e.event);
    // What the reader got is what is stored; the run's output is the same text.
    assert.deepEqual((await readAll(id)).map((e) => [e.id, e.event, e.data.delta]), events.map((e) => [e.id, e.event, e.data.delta]));
    assert.equal(((await settled(id)).output as { text: string }).text, ANSWER);
  });

  test('tool-call parts: the tool input as it streams, the complete call, the finish reason', async () => {
    env.models.script('tools1', reply.toolCalls([{ id: 'call_w', name: 'weather', args: { city: 'Oslo, Norway' } }], { prompt: 30, completion: 12 }));
    const id = await start('models.stream-tools', { prompt: '[scenario:tools1] weather?' });
    const run = await settled(id);
    assert.deepEqual(run.output, { finishReason: 'tool-calls', calls: [{ tool: 'weather', input: { city: 'Oslo, Norway' } }] });
    const events = await readAll(id);
    assertNumbered(events);
    const startTool = events.find((e) => e.event === 'tool-input-start')!;
    assert.deepEqual([startTool.data.toolCallId, startTool.data.toolName], ['call_w', 'weather']);
    const input = events.filter((e) => e.event === 'tool-input-delta').map((e) => e.data.delta).join('');
    assert.deepEqual(JSON.parse(input), { city: 'Oslo, Norway' });
    const call = events.find((e) => e.event === 'tool-call')!;
    assert.deepEqual([call.data.toolCallId, call.data.toolName, JSON.parse(call.data.input)], ['call_w', 'weather', { city: 'Oslo, Norway' }]);
    const finish = events.find((e) => e.event === 'model-finish')!;
    assert.equal(finish.data.finishReason, 'tool-calls');
    assert.ok(events.indexOf(startTool) < events.indexOf(call) && events.indexOf(call) < events.indexOf(finish));
  });

  test('a call retried before any content: each attempt has its marker, the failure says when the next one comes', async () => {
    env.models.script('retry1', reply.rateLimited(0), reply.text('second time lucky', { prompt: 5, completion: 4 }));
    const id = await start('models.stream', { prompt: '[scenario:retry1] x' });
    assert.equal((await settled(id)).status, 'SUCCESS');
    const events = await readAll(id);
    assertNumbered(events);
    const model = events.filter((e) => e.event.startsWith('model-')).map((e) => [e.event, e.data.attempt]);
    assert.deepEqual(model, [['model-start', 1], ['model-failed', 1], ['model-start', 2], ['model-finish', 2]]);
    const failed = events.find((e) => e.event === 'model-failed')!;
    assert.equal(failed.data.error.status, 429);
    assert.equal(typeof failed.data.retryInMs, 'number');
    assert.equal(textOf(events), 'second time lucky');
  });

  test('secrets in streamed text are scrubbed before they are stored, even when split over several deltas', async () => {
    const secret = 'sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e';
    env.models.script('secret1', reply.text(`Use the key ${secret} to call it, or Bearer abcdefghijklmnop1234 instead.`));
    const id = await start('models.stream', { prompt: '[scenario:secret1] x' });
    const run = await settled(id);
    assert.ok((run.output as { text: string }).text.includes(secret), 'the workflow itself gets the answer as the model gave it');
    const text = textOf(await readAll(id));
    assert.equal(text, 'Use the key [redacted] to call it, or Bearer [redacted] instead.');
    const stored = await env.pool.query(`SELECT data::text AS d FROM waymark.run_stream WHERE run_id = $1`, [id]);
    assert.ok(stored.rows.length > 0);
    for (const r of stored.rows) {
      assert.ok(!r.d.includes('4f9a8b7c') && !r.d.includes('abcdefghijklmnop'), r.d);
    }
  });
});

describe('readers never hold a run up', () => {
  test('a reader that reconnects with Last-Event-ID gets exactly what followed: no gap, no repeat', async () => {
    env.models.hold('re1');
    env.models.script('re1', reply.text(ANSWER, { prompt: 9, completion: 7 }));
    const id = await start('models.stream', { prompt: '[scenario:re1] x' });
    const first = await openStream(streamPath(id), env.w.adminKey);
    await first.until('a text delta', (e) => e.event === 'text-delta');
    first.close();
    await first.ended;
    const seen = [...first.events];
    const last = seen.at(-1)!.id;
    env.models.release('re1');
    // The run goes on without a reader; the reconnecting reader catches up and follows it to its end.
    const again = await openStream(streamPath(id), env.w.adminKey, { 'last-event-id': String(last) });
    assert.equal(again.status, 200);
    await again.ended;
    const combined = [...seen, ...again.events];
    assertNumbered(combined);
    assert.equal(again.events[0]!.id, last + 1);
    assert.equal(textOf(combined), ANSWER);
    assert.equal(combined.at(-1)!.event, 'end');
    assert.deepEqual(combined.map((e) => e.id), (await readAll(id)).map((e) => e.id));

    // `?after=` does the same for clients that cannot set the header.
    const fromQuery = await openStream(`${streamPath(id)}?after=${last}`, env.w.adminKey);
    await fromQuery.ended;
    assert.deepEqual(fromQuery.events.map((e) => e.id), again.events.map((e) => e.id));
    // Past the end of an ended run: 204, which tells an EventSource to stop reconnecting.
    const past = await openStream(streamPath(id), env.w.adminKey, { 'last-event-id': String(combined.at(-1)!.id) });
    assert.equal(past.status, 204);
  });

  test('a run with no reader completes, and its stream can be read afterwards', async () => {
    env.models.script('noreader', reply.text('nobody listens', { prompt: 3, completion: 2 }));
    const id = await start('models.stream', { prompt: '[scenario:noreader] x' });
    assert.equal((await settled(id)).status, 'SUCCESS');
    const events = await readAll(id);
    assertNumbered(events);
    assert.equal(textOf(events), 'nobody listens');
    assert.equal(events.at(-1)!.event, 'end');
  });

  test('a reader that reads nothing does not slow the run: it completes, and the reader gets everything later', async () => {
    const long = Array.from({ length: 1500 }, (_, i) => `word${i}`).join(' ');
    env.models.hold('slow1');
    env.models.script('slow1', reply.text(long));
    const id = await start('models.stream', { prompt: '[scenario:slow1] x' });
    const slow = await openStream(streamPath(id), env.w.adminKey);
    await slow.until('the call to start', (e) => e.event === 'model-start');
    slow.pause();
    env.models.release('slow1');
    const run = await settled(id);
    assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
    assert.equal((run.output as { text: string }).text, long);
    slow.resume();
    await slow.ended;
    assertNumbered(slow.events);
    assert.equal(textOf(slow.events), long);
    assert.equal(slow.events.at(-1)!.event, 'end');
  });

  test('a fork replays the completed call from its checkpoint: its stream has no second copy of the call', async () => {
    env.models.script('fork1', reply.text('said once', { prompt: 2, completion: 2 }));
    const id = await start('models.stream', { prompt: '[scenario:fork1] x' });
    assert.equal((await settled(id)).status, 'SUCCESS');
    const fork = await env.w.runs.fork(id, 1);
    const forked = await settled(fork.id);
    assert.equal((forked.output as { text: string }).text, 'said once');
    assert.equal(env.models.count('fork1'), 1);
    const events = await readAll(fork.id);
    assert.deepEqual(events.filter((e) => e.event.startsWith('model-') || e.event.endsWith('-delta')), []);
    assert.equal(events.at(-1)!.event, 'end');
    assert.equal((await readAll(id)).filter((e) => e.event === 'model-start').length, 1);
  });
});

describe('who may read', () => {
  test('a viewer of the tenant reads; another tenant gets 404; no key 401; a key without read 403; a bad Last-Event-ID 422', async () => {
    env.models.script('auth1', reply.text('for viewers'));
    const id = await start('models.stream', { prompt: '[scenario:auth1] x' });
    await settled(id);
    const keyOf = async (name: string, roles: string[], tenantId?: string) =>
      (await env.w.server.keys.create(env.w.server.scope({ actor: 'test-setup', ...(tenantId ? { tenantId } : {}) }), { name, roles })).key;

    const viewer = await openStream(streamPath(id), await keyOf('stream-viewer', ['viewer']));
    assert.equal(viewer.status, 200);
    await viewer.ended;
    assert.equal(textOf(viewer.events), 'for viewers');

    const other = await openStream(streamPath(id), await keyOf('other-admin', ['admin'], 'other-tenant'));
    assert.equal(other.status, 404);
    assert.match(other.contentType, /application\/problem\+json/);
    await other.ended;
    assert.equal(JSON.parse(other.body).code, 'run_not_found');
    assert.ok(!other.body.includes('for viewers'));

    const anonymous = await openStream(streamPath(id), undefined);
    assert.equal(anonymous.status, 401);
    await anonymous.ended;
    assert.equal(JSON.parse(anonymous.body).code, 'unauthenticated');

    const noRead = await openStream(streamPath(id), await keyOf('adjuster-only', ['adjuster']));
    assert.equal(noRead.status, 403);
    await noRead.ended;

    const bad = await openStream(streamPath(id), env.w.adminKey, { 'last-event-id': 'abc' });
    assert.equal(bad.status, 422);
    await bad.ended;
    assert.equal(JSON.parse(bad.body).code, 'invalid_headers');

    const missing = await openStream(streamPath('no-such-run'), env.w.adminKey);
    assert.equal(missing.status, 404);
    await missing.ended;
  });

  test('row-level security: the gateway\'s role sees only its tenant\'s stream rows', async () => {
    env.models.script('rls1', reply.text('tenant default only'));
    const id = await start('models.stream', { prompt: '[scenario:rls1] x' });
    await settled(id);
    const c = await env.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SET LOCAL ROLE waymark_app');
      await c.query(`SELECT set_config('waymark.tenant_id', 'other-tenant', true)`);
      assert.equal((await c.query('SELECT count(*)::int AS n FROM waymark.run_stream WHERE run_id = $1', [id])).rows[0].n, 0);
      assert.equal((await c.query('SELECT count(*)::int AS n FROM waymark.run_stream_heads WHERE run_id = $1', [id])).rows[0].n, 0);
      await c.query(`SELECT set_config('waymark.tenant_id', 'default', true)`);
      assert.ok((await c.query('SELECT count(*)::int AS n FROM waymark.run_stream WHERE run_id = $1', [id])).rows[0].n > 0);
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
  });
});

test('retention: housekeeping deletes stream events past it; event ids are never reused', async () => {
  env.models.script('old1', reply.text('long ago'));
  const id = await start('models.stream', { prompt: '[scenario:old1] x' });
  await settled(id);
  const before = (await env.pool.query('SELECT max(seq)::int AS last FROM waymark.run_stream WHERE run_id = $1', [id])).rows[0].last;
  assert.ok(before > 0);
  await env.pool.query(`UPDATE waymark.run_stream SET created_at = now() - interval '8 days' WHERE run_id = $1`, [id]);
  await waitFor('housekeeping to delete the old events', async () =>
    (await env.pool.query('SELECT count(*)::int AS n FROM waymark.run_stream WHERE run_id = $1', [id])).rows[0].n === 0);
  // An ended run whose events are gone has nothing more to send.
  const gone = await openStream(streamPath(id), env.w.adminKey);
  assert.equal(gone.status, 204);
  // A run that goes on later continues the numbering.
  await env.pool.query(`SELECT waymark.append_run_stream('default', $1, '[{"type":"note","data":{}}]'::jsonb)`, [id]);
  assert.equal((await env.pool.query('SELECT seq::int AS seq FROM waymark.run_stream WHERE run_id = $1', [id])).rows[0].seq, before + 1);
});
