/**
 * @module service/events
 * Signed webhooks in, events out to the runs waiting for them. A webhook is verified (HMAC-SHA256
 * over `<timestamp>.<raw body>`, timestamp within the tolerance), stored once per (source, event
 * id), and delivered to every waiting run — in one transaction with the messages to those runs.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import { z } from 'zod';
import { eventTopic, type ReceivedEvent } from '../agent/wait-for-event.js';
import { formatIssues } from '../agent/workflows.js';
import { canonicalJson } from '../canonical-json.js';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError, WaymarkError } from '../errors.js';
import { DEFAULT_TENANT, type Scope } from '../scope.js';
import { getEvent, insertEvent, lockCorrelation, markDelivered, openWaits } from '../store/events.js';
import type { Database } from '../store/gateway.js';
import { resumeRunningPhase } from '../store/runs.js';
import type { TriggerDefinition } from '../agent/triggers.js';
import { createHash } from 'node:crypto';
import { ensureError } from '../errors.js';
import { checkBusinessKey } from './runs.js';
import { insertPreparedRun, prepareRun, type PreparedRun, type RunStartDeps } from './run-start.js';
import { requestWake } from '../store/parked-runs.js';
import { resumeClaimed, type WakeDeps } from './parked-runs.js';

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
  /**
   * The runs the event's triggers start (ids from the source and event id, so the same on a
   * retried delivery, which starts nothing new).
   */
  triggeredRuns: string[];
}

/**
 * The deterministic id of the run a trigger starts for an event: the same for every delivery of
 * the event (a hash stands in when the parts are too long for an id).
 *
 * @example
 * ```ts
 * eventRunId('crm', 'evt-1', 'sales-agent'); // 'event:crm:evt-1:sales-agent'
 * ```
 */
export function eventRunId(source: string, eventId: string, workflow: string): string {
  const id = `event:${source}:${eventId}:${workflow}`;
  return id.length <= 200 ? id : `event:${source}:${createHash('sha256').update(id).digest('hex')}`;
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
  readonly #sources: Map<string, { tenantId: string; secret: string }>;
  readonly #toleranceSeconds: number;
  readonly #wake: WakeDeps;

  /**
   * `secrets` is keyed `source` (tenant `default`) or `source@tenant`; a source name may belong
   * to one tenant only.
   */
  readonly #triggers: readonly TriggerDefinition[];
  readonly #runStart: RunStartDeps | undefined;

  constructor(deps: {
    db: Database; dbos: DBOSClient; queueName: string; secrets: Record<string, string>; toleranceSeconds: number;
    /** Event triggers: an event of their source and type starts a run of their workflow. */
    triggers?: readonly TriggerDefinition[];
    /** What starting a triggered run needs (required with triggers). */
    runStart?: RunStartDeps;
  }) {
    this.#db = deps.db;
    this.#dbos = deps.dbos;
    this.#wake = { db: deps.db, dbos: deps.dbos, queueName: deps.queueName };
    this.#triggers = deps.triggers ?? [];
    this.#runStart = deps.runStart;
    if (this.#triggers.length > 0 && !this.#runStart) throw new WaymarkError('invalid_trigger', 'Event triggers need the run-start dependencies');
    this.#sources = new Map();
    for (const [name, secret] of Object.entries(deps.secrets)) {
      const at = name.indexOf('@');
      const source = at === -1 ? name : name.slice(0, at);
      const tenantId = at === -1 ? DEFAULT_TENANT : name.slice(at + 1);
      const other = this.#sources.get(source);
      if (other && other.tenantId !== tenantId) {
        throw new ValidationError(`Webhook source '${source}' is configured for tenants '${other.tenantId}' and '${tenantId}'; a source belongs to one tenant`, undefined, 'invalid_configuration');
      }
      this.#sources.set(source, { tenantId, secret });
    }
    this.#toleranceSeconds = deps.toleranceSeconds;
  }

  /** The tenant a configured webhook source belongs to (undefined: no such source). */
  tenantOf(source: string): string | undefined {
    return this.#sources.get(source)?.tenantId;
  }

  /**
   * Refuses a webhook to a source that does not exist exactly as a bad signature to one that
   * does (with a secret nobody knows): a sender learns nothing about which sources exist.
   */
  refuseUnknownSource(rawBody: Buffer, signature: string | undefined, now = Date.now()): never {
    this.#verify(this.#unknownSecret, rawBody, signature, now);
    throw new UnauthorizedError('invalid_signature', 'The signature does not match the body');
  }

  readonly #unknownSecret = randomBytes(32).toString('hex');

  /**
   * Verifies, parses, stores and delivers one webhook; nothing is stored unless all checks pass.
   * The event reaches only waits of the source's tenant that accept this source.
   */
  async ingest(scope: Scope, source: string, rawBody: Buffer, signature: string | undefined, now = Date.now()): Promise<IngestResult> {
    const configured = this.#sources.get(source);
    // An unknown source is answered like a bad signature: the sender learns nothing about which
    // sources exist.
    if (!configured) this.refuseUnknownSource(rawBody, signature, now);
    if (configured.tenantId !== scope.tenantId) throw new NotFoundError('unknown_event_source', `No webhook source '${source}' in this tenant`);
    this.#verify(configured.secret, rawBody, signature, now);
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
    // Mapped before anything is stored: an event a trigger cannot map is refused whole.
    const triggered = this.#prepareTriggered(source, e, now);
    // The event, its deliveries and the messages to the waiting runs commit together.
    const woken: string[] = [];
    const result = await this.#db.tx(scope, async (client) => {
      woken.length = 0;
      await lockCorrelation(client, tenantId, e.type, e.key);
      const receivedAt = await insertEvent(client, tenantId, { source, event_id: e.id, type: e.type, key: e.key, data: e.data ?? null });
      if (!receivedAt) {
        // A retried delivery is answered as a duplicate; the same id with other content is a sender's bug.
        const earlier = await getEvent(client, tenantId, source, e.id);
        if (earlier && canonicalJson([earlier.type, earlier.key, earlier.data]) !== canonicalJson([e.type, e.key, e.data ?? null])) {
          throw new ConflictError('event_id_reused', `Event '${e.id}' of source '${source}' was received before with other content; use a new event id`);
        }
      }
      const result: IngestResult = { source, eventId: e.id, duplicate: !receivedAt, deliveredTo: [], notDelivered: [], triggeredRuns: triggered.map((t) => t.run.id) };
      if (receivedAt) {
        for (const { trigger, run } of triggered) {
          const origin = { kind: 'started_by_event', data: { source, eventId: e.id, type: e.type, key: e.key, trigger: trigger.name } };
          await insertPreparedRun(this.#runStart!, client, scope, run, origin);
        }
        const event: ReceivedEvent = { source, id: e.id, type: e.type, key: e.key, data: e.data ?? null, receivedAt: receivedAt.toISOString() };
        for (const w of await openWaits(client, tenantId, source, e.type, e.key)) {
          if (w.run_status !== 'PENDING' && w.run_status !== 'ENQUEUED') {
            result.notDelivered.push({ runId: w.run_id, runStatus: w.run_status });
            continue;
          }
          await markDelivered(client, w.id, source, e.id);
          // The run is running again from the delivery on (not from a step after it wakes).
          await resumeRunningPhase(client, w.run_id, `webhook:${source}`, `received ${e.type} ${e.key}`, { waitId: w.id });
          await this.#dbos.sendInTransaction(client, w.run_id, event, eventTopic(w.id), `event:${source}:${e.id}:${w.id}`);
          if (await requestWake(client, w.run_id)) woken.push(w.run_id);
          result.deliveredTo.push(w.run_id);
        }
      }
      return result;
    });
    await resumeClaimed(this.#wake, scope, woken);
    return result;
  }

  /** The runs the triggers of (source, type) start for an event, validated. */
  #prepareTriggered(source: string, e: z.infer<typeof WebhookBody>, now: number): { trigger: TriggerDefinition; run: PreparedRun }[] {
    const matching = this.#triggers.filter((t) => t.source === source && (t.type === e.type || t.type === '*'));
    if (matching.length === 0) return [];
    const event: ReceivedEvent = { source, id: e.id, type: e.type, key: e.key, data: e.data ?? null, receivedAt: new Date(now).toISOString() };
    return matching.map((trigger) => {
      try {
        const businessKey = trigger.businessKey(event);
        if (businessKey !== null) checkBusinessKey(businessKey);
        const run = prepareRun(this.#runStart!, {
          id: eventRunId(source, e.id, trigger.workflow), workflow: trigger.workflow, input: trigger.mapInput(event), businessKey,
          queue: { partitionKey: trigger.partitionKey?.(event), priority: trigger.priority },
        });
        return { trigger, run };
      } catch (err) {
        throw new ValidationError(`Trigger '${trigger.name}' cannot start a run for this event: ${ensureError(err).message}`, undefined, 'invalid_event');
      }
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
