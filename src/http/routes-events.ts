/**
 * @module http/routes-events
 * `POST /v1/events/{source}`: signed webhooks. The signature covers the raw bytes, so this
 * router reads the body itself and must be mounted before the JSON parser. A webhook's
 * credential is its signature, made with its source's secret (senders such as a CRM cannot
 * send an API key); it acts for the source's tenant as `webhook:<source>`.
 */
import express, { Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { createScope } from '../scope.js';
import { SIGNATURE_HEADER, WebhookBody, type EventService } from '../service/events.js';
import { defineOperation, parseOperation, route } from './operation.js';
import { IngestResultSchema } from './response-schemas.js';

/** The webhook operation, as the route and the OpenAPI document use it. */
export const eventOperations = {
  ingestEvent: defineOperation({
    method: 'post', path: '/v1/events/{source}', operationId: 'ingestEvent', tag: 'events', auth: 'webhookSignature',
    summary: "A signed webhook event, delivered to the runs waiting for its (type, key)",
    description: `Authenticated by the header \`${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">\`, ` +
      "made with the source's secret (not an API key). An event id received again with the same content is a duplicate (200).",
    params: z.object({ source: z.string().regex(/^[a-z0-9_-]{1,100}$/, 'lower-case letters, digits, - and _') }),
    // Parsed by the service from the raw, signed bytes; declared here for the document.
    body: WebhookBody,
    rawBody: true,
    responses: {
      202: { description: 'The event was stored and delivered to the waiting runs', schema: IngestResultSchema },
      200: { description: 'The event was received before (same id and content)', schema: IngestResultSchema },
    },
    errors: ['invalid_signature', 'unknown_event_source', 'malformed_json', 'invalid_event', 'event_id_reused'],
  }),
};

/**
 * Webhook routes.
 *
 * @example
 * ```ts
 * app.use(eventRoutes(eventService, '1mb'));
 * ```
 */
export function eventRoutes(events: EventService, bodyLimit: string): Router {
  const r = Router();
  const op = eventOperations.ingestEvent;
  route(r, op, express.raw({ type: () => true, limit: bodyLimit }), async (req, res) => {
    const { source } = parseOperation(op, req).params;
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const tenantId = events.tenantOf(source);
    if (tenantId === undefined) events.refuseUnknownSource(raw, req.get(SIGNATURE_HEADER));
    const scope = createScope({ tenantId, actor: `webhook:${source}`, roles: [], requestId: res.locals.requestId as string }, res.locals.log as Logger);
    const result = await events.ingest(scope, source, raw, req.get(SIGNATURE_HEADER));
    res.status(result.duplicate ? 200 : 202).json(result);
  });
  return r;
}
