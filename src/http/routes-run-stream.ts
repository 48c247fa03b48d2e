/**
 * @module http/routes-run-stream
 * `GET /v1/runs/{id}/stream`: a run's live stream as server-sent events — the parts of its
 * streaming model calls, its phase changes and its end. Each event's `id` is its number in the
 * run's stream; a client that reconnects with `Last-Event-ID` (or `?after=`) gets exactly what
 * followed. The response ends after the run's `end`; a client asking past the end of an ended
 * run gets 204 (which tells an `EventSource` to stop reconnecting).
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { RunStreamEvent, RunStreamService } from '../service/run-stream.js';
import { defineOperation, parseOperation, route } from './operation.js';
import { scopeOf } from './request-scope.js';

const EventId = z.string().regex(/^\d{1,15}$/, 'must be an event id (a non-negative integer)').transform(Number);

/** The run-stream operation, as the route and the OpenAPI document use it. */
export const runStreamOperations = {
  streamRun: defineOperation({
    method: 'get', path: '/v1/runs/{id}/stream', operationId: 'streamRun', tag: 'runs', permission: 'read',
    summary: "A run's live stream as server-sent events: streaming model calls' parts, phase changes and the end",
    description:
      "Each event's `id` is its number in the run's stream and its `data` one line of JSON (`type`, `at` and the event's data). " +
      'Reconnecting with `Last-Event-ID` (or `?after=`) resumes exactly after that event; the header wins over the query. ' +
      'The response ends after the run\'s `end` event.',
    params: z.object({ id: z.string().min(1).max(200) }),
    query: z.strictObject({ after: EventId.optional().describe('Resume after this event id (when no Last-Event-ID is sent)') }),
    headers: z.object({ 'last-event-id': EventId.optional().describe('Resume after this event id (what an EventSource sends when it reconnects)') }),
    responses: {
      200: { description: 'The stream (`text/event-stream`), open until the run ends or the client goes', contentType: 'text/event-stream' },
      204: { description: 'The run has ended and nothing follows the event asked for: an EventSource stops reconnecting' },
    },
    errors: ['run_not_found'],
  }),
};

/** A comment line every so often keeps proxies and clients from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** How long an `EventSource` waits before reconnecting. */
const RETRY_MS = 2_000;

/**
 * The run-stream route.
 *
 * @example
 * ```ts
 * app.use(runStreamRoutes(streams));
 * ```
 */
export function runStreamRoutes(streams: RunStreamService): Router {
  const r = Router();
  route(r, runStreamOperations.streamRun, async (req, res) => {
    const { params: { id }, query: { after: fromQuery }, headers: { 'last-event-id': fromHeader } } = parseOperation(runStreamOperations.streamRun, req);
    // The header wins: it is what an EventSource sends when it reconnects to the same URL.
    const after = fromHeader ?? fromQuery ?? 0;
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const scope = scopeOf(res);
    const opened = await streams.open(scope, id, { after, signal: gone.signal });
    if (opened.ended) {
      res.status(204).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    try {
      for await (const e of opened.events) {
        if (!res.write(frame(e))) await drained(res, gone.signal);
      }
    } catch (e) {
      // Headers are sent: no problem document now. The client reconnects with its Last-Event-ID.
      scope.log.warn({ err: e, runId: id }, 'run stream ended by an error');
    } finally {
      clearInterval(heartbeat);
      res.end();
    }
  });
  return r;
}

/**
 * One server-sent event: the event id and type as SSE fields, and (for clients that only read
 * `data`) the type, the time and the event's data as one line of JSON (JSON has no raw newlines).
 */
function frame(e: RunStreamEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify({ type: e.type, at: e.at, ...e.data })}\n\n`;
}

/** A slow reader holds back only its own response: wait until its socket drains (or it goes). */
function drained(res: Response, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
