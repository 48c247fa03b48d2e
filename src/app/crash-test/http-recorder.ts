/**
 * @module app/crash-test/http-recorder
 * How `waymark crash-test` sees HTTP side effects. The harness runs a recording endpoint on
 * 127.0.0.1 ({@link startHttpRecorder}); the crash-test worker wraps `globalThis.fetch`
 * ({@link recordOutgoingFetch}) so that every request that may change something (any method but
 * GET, HEAD and OPTIONS) is first reported there — and only once the endpoint has answered is the
 * request sent, so a SIGKILL right after the send still leaves the record. A record holds the
 * method, the URL without its query or fragment, the `Idempotency-Key` header if any, a SHA-256
 * of the body and the workflow and step it was sent from; never another header and never the
 * body itself (both may carry secrets).
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DBOS } from '@dbos-inc/dbos-sdk';

/** One outgoing request, as recorded before it was sent. */
export interface HttpRecord {
  /** The run the worker was started for (the key the harness files the record under). */
  run: string;
  method: string;
  /** Origin and path only: query strings and fragments may carry secrets. */
  url: string;
  idempotencyKey: string | null;
  /** SHA-256 (hex) of the body with the run's id replaced by `<run>`; `null` without a body. */
  bodyHash: string | null;
  /** The DBOS workflow and step that sent it, when sent inside one. */
  workflowId: string | null;
  stepId: number | null;
}

const UNSAFE = (method: string): boolean => !['GET', 'HEAD', 'OPTIONS'].includes(method);

/**
 * Starts the recording endpoint; `take(run)` returns (and forgets) what was recorded for a run.
 *
 * @example
 * ```ts
 * const recorder = await startHttpRecorder();
 * // child worker: recordOutgoingFetch() … with recorder.url
 * const sent = recorder.take(runId);
 * await recorder.close();
 * ```
 */
export async function startHttpRecorder(): Promise<{ url: string; take(run: string): HttpRecord[]; close(): Promise<void> }> {
  const records = new Map<string, HttpRecord[]>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      try {
        const r = JSON.parse(body) as HttpRecord;
        const list = records.get(r.run) ?? [];
        list.push(r);
        records.set(r.run, list);
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/record`,
    take(run) {
      const list = records.get(run) ?? [];
      records.delete(run);
      return list;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * Wraps `globalThis.fetch` in this process (the crash-test worker, before the application's
 * module loads). Until `set` is called nothing is recorded; then every request that is not
 * GET/HEAD/OPTIONS is posted to the endpoint, and awaited, before it is sent.
 */
export function recordOutgoingFetch(): { set(target: { endpoint: string; runId: string }): void } {
  const original = globalThis.fetch.bind(globalThis);
  let target: { endpoint: string; runId: string } | undefined;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    if (target && UNSAFE(method)) {
      const url = new URL(input instanceof Request ? input.url : input);
      if (url.href !== target.endpoint) {
        const record: HttpRecord = {
          run: target.runId,
          method,
          url: `${url.origin}${url.pathname}`,
          idempotencyKey: new Headers(init?.headers ?? request?.headers).get('idempotency-key'),
          bodyHash: await bodyHash(init?.body ?? null, init?.body === undefined ? request : undefined, target.runId),
          workflowId: DBOS.workflowID ?? null,
          stepId: DBOS.stepID ?? null,
        };
        try {
          const res = await original(target.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(record) });
          if (!res.ok) throw new Error(`status ${res.status}`);
        } catch (e) {
          process.stderr.write(`waymark crash-test: could not record ${method} ${record.url}: ${(e as Error).message}\n`);
        }
      }
    }
    return original(input, init);
  };
  return { set: (t) => (target = t) };
}

async function bodyHash(body: RequestInit['body'], request: Request | undefined, runId: string): Promise<string | null> {
  let bytes: Buffer;
  if (request) {
    if (request.body === null) return null;
    bytes = Buffer.from(await request.clone().arrayBuffer());
  } else if (body === null || body === undefined) {
    return null;
  } else if (typeof body === 'string' || body instanceof URLSearchParams) {
    bytes = Buffer.from(String(body));
  } else if (body instanceof ArrayBuffer) {
    bytes = Buffer.from(body);
  } else if (ArrayBuffer.isView(body)) {
    bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  } else if (body instanceof Blob) {
    bytes = Buffer.from(await body.arrayBuffer());
  } else {
    // A stream or form data: reading it would consume it. Same kind, same hash.
    return `unread:${Object.prototype.toString.call(body)}`;
  }
  return createHash('sha256').update(bytes.toString('latin1').split(runId).join('<run>'), 'latin1').digest('hex');
}
