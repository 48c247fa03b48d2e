/**
 * @module store/events
 * SQL for external events and the runs waiting for them. Writers of one (tenant, type, key)
 * serialise on a transaction-scoped advisory lock, so an event and a new wait never miss
 * each other.
 */
import type { Queryable } from './gateway.js';
import { moveStateOnEvent } from './states.js';

/** A stored event. */
export interface EventRow {
  source: string;
  event_id: string;
  type: string;
  key: string;
  data: unknown;
  received_at: Date;
}

/** A wait that the event was delivered to (or could not be). */
export interface OpenWait {
  id: string;
  run_id: string;
  run_status: string | null;
}

/**
 * Takes the lock of one (tenant, type, key) for the rest of the transaction.
 *
 * @example
 * ```ts
 * await lockCorrelation(txClient, 'default', 'police_report.received', 'claim-42');
 * ```
 */
export async function lockCorrelation(db: Queryable, tenantId: string, type: string, key: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('waymark.event:' || $1 || ':' || $2 || ':' || $3, 0))`, [tenantId, type, key]);
}

/**
 * Stores an event and returns when it was received; undefined when (source, event id) was
 * stored before (a duplicate delivery).
 *
 * @example
 * ```ts
 * const receivedAt = await insertEvent(txClient, 'default', { source: 'police', event_id: 'e1', type, key, data });
 * ```
 */
export async function insertEvent(db: Queryable, tenantId: string, e: Omit<EventRow, 'received_at'>): Promise<Date | undefined> {
  const { rows } = await db.query<{ received_at: Date }>(
    `INSERT INTO waymark.events (tenant_id, source, event_id, type, key, data) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING RETURNING received_at`,
    [tenantId, e.source, e.event_id, e.type, e.key, JSON.stringify(e.data ?? null)],
  );
  return rows[0]?.received_at;
}

/**
 * An event as stored, by (source, event id).
 *
 * @example
 * ```ts
 * const earlier = await getEvent(tx, 'default', 'police', 'e1');
 * ```
 */
export async function getEvent(db: Queryable, tenantId: string, source: string, eventId: string): Promise<EventRow | undefined> {
  const { rows } = await db.query<EventRow>(
    'SELECT source, event_id, type, key, data, received_at FROM waymark.events WHERE tenant_id = $1 AND source = $2 AND event_id = $3',
    [tenantId, source, eventId],
  );
  return rows[0];
}

/**
 * The (type, key) of each open wait of a run, in lock order.
 *
 * @example
 * ```ts
 * for (const w of await openWaitKeys(tx, 'default', runId)) await lockCorrelation(tx, 'default', w.type, w.key);
 * ```
 */
export async function openWaitKeys(db: Queryable, tenantId: string, runId: string): Promise<{ type: string; key: string }[]> {
  const { rows } = await db.query<{ type: string; key: string }>(
    `SELECT DISTINCT type, key FROM waymark.event_waits WHERE tenant_id = $1 AND run_id = $2 AND status = 'waiting' ORDER BY type, key`,
    [tenantId, runId],
  );
  return rows;
}

/**
 * A run's waits that are open again after the run was resumed, each with the oldest event for
 * its (type, key) that arrived since the wait began and that the run has not consumed: the
 * event it missed while it was cancelled. Locks the waits.
 *
 * @example
 * ```ts
 * for (const m of await missedEvents(tx, 'default', runId)) deliver(m.wait_id, m);
 * ```
 */
export async function missedEvents(db: Queryable, tenantId: string, runId: string): Promise<(EventRow & { wait_id: string })[]> {
  const { rows } = await db.query<EventRow & { wait_id: string }>(
    `SELECT w.id AS wait_id, e.source, e.event_id, e.type, e.key, e.data, e.received_at
     FROM waymark.event_waits w
     CROSS JOIN LATERAL (
       SELECT e.* FROM waymark.events e
       WHERE e.tenant_id = w.tenant_id AND e.type = w.type AND e.key = w.key AND e.received_at >= w.created_at
         AND NOT EXISTS (SELECT 1 FROM waymark.event_waits x WHERE x.run_id = w.run_id AND x.event_source = e.source AND x.event_id = e.event_id)
       ORDER BY e.received_at LIMIT 1) e
     WHERE w.tenant_id = $1 AND w.run_id = $2 AND w.status = 'waiting'
     FOR UPDATE OF w`,
    [tenantId, runId],
  );
  return rows;
}

/**
 * The open waits for (type, key), with their run's DBOS status.
 *
 * @example
 * ```ts
 * const waits = await openWaits(txClient, 'default', 'police', type, key);
 * ```
 */
export async function openWaits(db: Queryable, tenantId: string, source: string, type: string, key: string): Promise<OpenWait[]> {
  const { rows } = await db.query<OpenWait>(
    `SELECT w.id, w.run_id,
            -- a parked run is waiting, whatever DBOS says
            CASE WHEN s.status = 'CANCELLED' AND waymark.is_parked(w.run_id) THEN 'PENDING' ELSE s.status END AS run_status
     FROM waymark.event_waits w LEFT JOIN dbos.workflow_status s ON s.workflow_uuid = w.run_id
     WHERE w.tenant_id = $1 AND w.type = $2 AND w.key = $3 AND (w.source IS NULL OR w.source = $4)
       AND (w.status = 'waiting' OR (w.status = 'cancelled' AND w.cancelled_with_run))
     ORDER BY w.created_at FOR UPDATE OF w`,
    [tenantId, type, key, source],
  );
  return rows;
}

/**
 * Marks a wait as delivered with an event, with an audit event on its run, and moves the run's
 * business state when its workflow declared a move for the event's type.
 *
 * @example
 * ```ts
 * await markDelivered(txClient, waitId, 'police', 'e1');
 * ```
 */
export async function markDelivered(db: Queryable, waitId: string, source: string, eventId: string): Promise<void> {
  const { rows } = await db.query<{ run_id: string; type: string; key: string }>(
    `WITH upd AS (
       UPDATE waymark.event_waits SET status = 'delivered', event_source = $2, event_id = $3, finished_at = clock_timestamp()
       WHERE id = $1 RETURNING run_id, tenant_id, type, key)
     INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, data)
     SELECT run_id, tenant_id, 'event_received', 'webhook:' || $2, jsonb_build_object('waitId', $1::text, 'type', type, 'key', key, 'source', $2::text, 'eventId', $3::text)
     FROM upd
     RETURNING run_id, data->>'type' AS type, data->>'key' AS key`,
    [waitId, source, eventId],
  );
  // The run's own business state moves with the delivery, as its workflow declared (once: a wait is delivered once).
  for (const r of rows) await moveStateOnEvent(db, { runId: r.run_id, waitId, type: r.type, key: r.key, source, eventId });
}

/**
 * Opens a wait for a run; returns the oldest stored event for (type, key) that this run has
 * not consumed yet, if any (it arrived before the run started waiting).
 *
 * @example
 * ```ts
 * const early = await openWait(txClient, { id, runId, source: 'police', type, key, deadlineAt });
 * ```
 */
export async function openWait(
  db: Queryable,
  w: { id: string; runId: string; source: string; type: string; key: string; deadlineAt: Date | null },
): Promise<{ tenantId: string; early: EventRow | undefined } | undefined> {
  const { rows } = await db.query<{ tenant_id: string }>(
    `INSERT INTO waymark.event_waits (id, tenant_id, run_id, source, type, key, status, deadline_at)
     SELECT $1, tenant_id, id, $6, $3, $4, 'waiting', $5 FROM waymark.runs WHERE id = $2
     ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id
     RETURNING tenant_id`,
    [w.id, w.runId, w.type, w.key, w.deadlineAt, w.source],
  );
  const tenantId = rows[0]?.tenant_id;
  if (!tenantId) return undefined;
  const early = await db.query<EventRow>(
    `SELECT e.source, e.event_id, e.type, e.key, e.data, e.received_at FROM waymark.events e
     WHERE e.tenant_id = $1 AND e.type = $2 AND e.key = $3 AND e.source = $5
       AND NOT EXISTS (SELECT 1 FROM waymark.event_waits x
                       WHERE x.run_id = $4 AND x.event_source = e.source AND x.event_id = e.event_id)
     ORDER BY e.received_at LIMIT 1`,
    [tenantId, w.type, w.key, w.runId, w.source],
  );
  return { tenantId, early: early.rows[0] };
}

/**
 * The wait's state, and the event delivered to it.
 *
 * @example
 * ```ts
 * const w = await getWait(pool, waitId);
 * ```
 */
export async function getWait(db: Queryable, id: string, forUpdate = false): Promise<{ status: string; event: EventRow | undefined } | undefined> {
  const { rows } = await db.query<{ status: string; source: string | null; event_id: string | null; type: string; key: string; data: unknown; received_at: Date | null }>(
    `SELECT w.status, e.source, e.event_id, e.type, e.key, e.data, e.received_at
     FROM waymark.event_waits w
     LEFT JOIN waymark.events e ON e.tenant_id = w.tenant_id AND e.source = w.event_source AND e.event_id = w.event_id
     WHERE w.id = $1 ${forUpdate ? 'FOR UPDATE OF w' : ''}`,
    [id],
  );
  const r = rows[0];
  if (!r) return undefined;
  const event = r.source && r.event_id && r.received_at
    ? { source: r.source, event_id: r.event_id, type: r.type, key: r.key, data: r.data, received_at: r.received_at }
    : undefined;
  return { status: r.status, event };
}

/**
 * Closes a wait that reached its deadline (when still waiting).
 *
 * @example
 * ```ts
 * await markTimedOut(txClient, waitId);
 * ```
 */
export async function markTimedOut(db: Queryable, id: string): Promise<void> {
  await db.query(
    `WITH upd AS (
       UPDATE waymark.event_waits SET status = 'timed_out', finished_at = clock_timestamp() WHERE id = $1 AND status = 'waiting'
       RETURNING run_id, tenant_id, type, key)
     INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, data)
     SELECT run_id, tenant_id, 'event_wait_timed_out', 'workflow', jsonb_build_object('waitId', $1::text, 'type', type, 'key', key) FROM upd`,
    [id],
  );
}
