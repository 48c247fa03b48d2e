/**
 * @module service/events
 * Signed webhooks in, events out to the runs waiting for them. A webhook is verified (HMAC-SHA256
 * over `<timestamp>.<raw body>`, timestamp within the tolerance), stored once per (source, event
 * id), and delivered to every waiting run — in one transaction with the messages to those runs.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import { z } from 'zod';
import { eventTopic, type ReceivedEvent } from '../agent/wait-for-event.js';
import { formatIssues } from '../agent/workflows.js';
import { canonicalJson } from '../canonical-json.js';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError, WaymarkError } from '../errors.js';
import type { Scope } from '../scope.js';
import { getEvent, insertEvent, lockCorrelation, markDelivered, openWaits } from '../store/events.js';
import type { Database } from '../store/gateway.js';

/**
 * The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 *
 * @example
 * ```ts
 * await fetch(url, { method: 'POST', body, headers: { [SIGNATURE_HEADER]: signWebhook(secret, body) } });
 * ```
 */
export const SIGNATURE_HEADER = 'waymark-signature';

/** The body of a webhook. */
export const WebhookBody = z.strictObject({
  /** The sender's id for the event: a second delivery with the same id is accepted once. */
  id: z.string().min(1).max(200),
  type: z.string().min(1).max(200),
  key: z.string().min(1).max(500),
  data: z.unknown().optional(),
});

/** What happened to one event. */
export interface IngestResult {
  source: string;
  eventId: string;
  duplicate: boolean;
  /** Runs the event was delivered to now. */
  deliveredTo: string[];
  /** Waiting runs that could not take it (not executing: cancelled, failed, ...). */
  notDelivered: { runId: string; runStatus: string | null }[];
}

/**
 * Computes the signature header for a body (for senders and tests).
 *
 * @example
 * ```ts
 * const header = signWebhook(secret, JSON.stringify(body));
 * await fetch(url, { method: 'POST', headers: { 'waymark-signature': header, 'content-type': 'application/json' }, body: JSON.stringify(body) });
 * ```
 */
export function signWebhook(secret: string, rawBody: string | Buffer, timestampSeconds = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/**
 * Receives webhooks.
 *
 * @example
 * ```ts
 * const result = await events.ingest(scope, 'police', rawBody, req.get('waymark-signature'));
 * ```
 */
export class EventService {
  readonly #db: Database;
  readonly #dbos: DBOSClient;
  readonly #secrets: Record<string, string>;
  readonly #toleranceSeconds: number;

  constructor(deps: { db: Database; dbos: DBOSClient; secrets: Record<string, string>; toleranceSeconds: number }) {
    this.#db = deps.db;
    this.#dbos = deps.dbos;
    this.#secrets = deps.secrets;
    this.#toleranceSeconds = deps.toleranceSeconds;
  }

  /** Verifies, parses, stores and delivers one webhook; nothing is stored unless all checks pass. */
  async ingest(scope: Scope, source: string, rawBody: Buffer, signature: string | undefined, now = Date.now()): Promise<IngestResult> {
    const secret = Object.hasOwn(this.#secrets, source) ? this.#secrets[source] : undefined;
    if (secret === undefined) throw new NotFoundError('unknown_event_source', `No webhook source '${source}' is configured (WAYMARK_WEBHOOK_SECRETS)`);
    this.#verify(secret, rawBody, signature, now);
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new WaymarkError('malformed_json', 'The webhook body is not valid JSON', { status: 400 });
    }
    const parsed = WebhookBody.safeParse(json);
    if (!parsed.success) throw new ValidationError(`Invalid webhook body: ${formatIssues(parsed.error)}`, undefined, 'invalid_event');
    const e = parsed.data;
    const { tenantId } = scope;
    // The event, its deliveries and the messages to the waiting runs commit together.
    return this.#db.tx(scope, async (client) => {
      await lockCorrelation(client, tenantId, e.type, e.key);
      const receivedAt = await insertEvent(client, tenantId, { source, event_id: e.id, type: e.type, key: e.key, data: e.data ?? null });
      if (!receivedAt) {
        // A retried delivery is answered as a duplicate; the same id with other content is a sender's bug.
        const earlier = await getEvent(client, tenantId, source, e.id);
        if (earlier && canonicalJson([earlier.type, earlier.key, earlier.data]) !== canonicalJson([e.type, e.key, e.data ?? null])) {
          throw new ConflictError('event_id_reused', `Event '${e.id}' of source '${source}' was received before with other content; use a new event id`);
        }
      }
      const result: IngestResult = { source, eventId: e.id, duplicate: !receivedAt, deliveredTo: [], notDelivered: [] };
      if (receivedAt) {
        const event: ReceivedEvent = { source, id: e.id, type: e.type, key: e.key, data: e.data ?? null, receivedAt: receivedAt.toISOString() };
        for (const w of await openWaits(client, tenantId, e.type, e.key)) {
          if (w.run_status !== 'PENDING' && w.run_status !== 'ENQUEUED') {
            result.notDelivered.push({ runId: w.run_id, runStatus: w.run_status });
            continue;
          }
          await markDelivered(client, w.id, source, e.id);
          await this.#dbos.sendInTransaction(client, w.run_id, event, eventTopic(w.id), `event:${source}:${e.id}:${w.id}`);
          result.deliveredTo.push(w.run_id);
        }
      }
      return result;
    });
  }

  #verify(secret: string, rawBody: Buffer, header: string | undefined, now: number): void {
    if (!header) throw new UnauthorizedError('invalid_signature', `Missing ${SIGNATURE_HEADER} header`);
    const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
    const t = Number(parts.t);
    const given = parts.v1;
    if (!Number.isInteger(t) || !given || !/^[0-9a-f]{64}$/.test(given)) throw new UnauthorizedError('invalid_signature', `Malformed ${SIGNATURE_HEADER} header`);
    const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
    if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) throw new UnauthorizedError('invalid_signature', 'The signature does not match the body');
    if (Math.abs(now / 1000 - t) > this.#toleranceSeconds) {
      throw new UnauthorizedError('invalid_signature', `The signed timestamp is more than ${this.#toleranceSeconds} s away from now (a replay?)`);
    }
  }
}
