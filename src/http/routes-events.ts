/**
 * @module http/routes-events
 * `POST /v1/events/{source}`: signed webhooks. The signature covers the raw bytes, so this
 * router reads the body itself and must be mounted before the JSON parser.
 */
import express, { Router } from 'express';
import { z } from 'zod';
import { SIGNATURE_HEADER, type EventService } from '../service/events.js';
import { scopeOf } from './request-scope.js';
import { parseRequest } from './validate.js';

const Source = z.object({ source: z.string().regex(/^[a-z0-9_-]{1,100}$/, 'lower-case letters, digits, - and _') });

/**
 * Webhook routes.
 *
 * @example
 * ```ts
 * app.use('/v1', eventRoutes(eventService, '1mb'));
 * ```
 */
export function eventRoutes(events: EventService, bodyLimit: string): Router {
  const r = Router();
  r.post('/events/:source', express.raw({ type: () => true, limit: bodyLimit }), async (req, res) => {
    const { source } = parseRequest(Source, req.params, 'params');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const result = await events.ingest(scopeOf(res), source, raw, req.get(SIGNATURE_HEADER));
    res.status(result.duplicate ? 200 : 202).json(result);
  });
  return r;
}
