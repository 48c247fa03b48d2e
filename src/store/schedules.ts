/**
 * @module store/schedules
 * SQL for `waymark.schedules` (migration 019): create, declare, list, pause, resume, delete,
 * and the housekeeping tick — find the due schedules with one indexed query, then lock one
 * (SKIP LOCKED: another worker has it) and move it on in the transaction that starts its runs.
 * Times are passed in from the runtime clock, never read from the database's.
 */
import type { Queryable } from './gateway.js';

/** A schedule as stored. */
export interface ScheduleRow {
  id: string;
  tenant_id: string;
  name: string;
  workflow: string;
  cron: string;
  timezone: string;
  input: unknown;
  business_key: string | null;
  /** Queue options of its runs (migration 027). */
  partition_key: string | null;
  priority: number | null;
  catch_up: 'skip' | 'all';
  max_catch_up: number;
  declared: boolean;
  next_tick_at: Date;
  last_tick_at: Date | null;
  last_run_id: string | null;
  last_error: string | null;
  paused_at: Date | null;
  paused_by: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

/** Fields of a new (or declared) schedule. */
export interface NewSchedule {
  id: string;
  tenantId: string;
  name: string;
  workflow: string;
  cron: string;
  timezone: string;
  input: unknown;
  businessKey: string | null;
  partitionKey: string | null;
  priority: number | null;
  catchUp: 'skip' | 'all';
  maxCatchUp: number;
  nextTickAt: Date;
  createdBy: string;
  /** The clock's now: the row's created/updated time. */
  now: Date;
}

const COLUMNS = `id, tenant_id, name, workflow, cron, timezone, input, business_key, partition_key, priority, catch_up, max_catch_up, declared,
  next_tick_at, last_tick_at, last_run_id, last_error, paused_at, paused_by, created_by, created_at, updated_at`;

const params = (s: NewSchedule): unknown[] => [
  s.id, s.tenantId, s.name, s.workflow, s.cron, s.timezone, JSON.stringify(s.input ?? {}), s.businessKey, s.catchUp, s.maxCatchUp, s.nextTickAt, s.createdBy, s.now,
  s.partitionKey, s.priority,
];

/**
 * Inserts a schedule made over the API; undefined when the tenant has one of this name.
 *
 * @example
 * ```ts
 * const row = await insertSchedule(tx, { id, tenantId: 'default', name: 'daily-digest', workflow: 'digest', cron: '0 9 * * *', ... });
 * ```
 */
export async function insertSchedule(db: Queryable, s: NewSchedule): Promise<ScheduleRow | undefined> {
  const { rows } = await db.query<ScheduleRow>(
    `INSERT INTO waymark.schedules (id, tenant_id, name, workflow, cron, timezone, input, business_key, catch_up, max_catch_up, next_tick_at, created_by, created_at, updated_at,
                                    partition_key, priority)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15)
     ON CONFLICT (tenant_id, name) DO NOTHING RETURNING ${COLUMNS}`,
    params(s),
  );
  return rows[0];
}

/**
 * Writes a schedule declared in code: inserted the first time, its definition refreshed after
 * (a changed cron or time zone restarts its ticks from `nextTickAt`); its pause and its last tick
 * are kept. A schedule of that name made over the API is left alone (returns false).
 *
 * @example
 * ```ts
 * await upsertDeclaredSchedule(tx, { id: randomUUID(), tenantId: 'default', name: 'digest', ... });
 * ```
 */
export async function upsertDeclaredSchedule(db: Queryable, s: NewSchedule): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO waymark.schedules AS x (id, tenant_id, name, workflow, cron, timezone, input, business_key, catch_up, max_catch_up, next_tick_at, created_by, created_at, updated_at,
                                         partition_key, priority, declared)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, true)
     ON CONFLICT (tenant_id, name) DO UPDATE SET
       workflow = EXCLUDED.workflow, input = EXCLUDED.input, business_key = EXCLUDED.business_key,
       partition_key = EXCLUDED.partition_key, priority = EXCLUDED.priority,
       catch_up = EXCLUDED.catch_up, max_catch_up = EXCLUDED.max_catch_up,
       next_tick_at = CASE WHEN x.cron = EXCLUDED.cron AND x.timezone = EXCLUDED.timezone THEN x.next_tick_at ELSE EXCLUDED.next_tick_at END,
       cron = EXCLUDED.cron, timezone = EXCLUDED.timezone,
       updated_at = CASE WHEN (x.workflow, x.cron, x.timezone, x.input, x.business_key, x.catch_up, x.max_catch_up, x.partition_key, x.priority)
                          IS DISTINCT FROM (EXCLUDED.workflow, EXCLUDED.cron, EXCLUDED.timezone, EXCLUDED.input, EXCLUDED.business_key, EXCLUDED.catch_up, EXCLUDED.max_catch_up,
                                            EXCLUDED.partition_key, EXCLUDED.priority)
                         THEN EXCLUDED.updated_at ELSE x.updated_at END
     WHERE x.declared`,
    params(s),
  );
  return rowCount === 1;
}

/**
 * A tenant's schedules by name.
 *
 * @example
 * ```ts
 * const rows = await listSchedules(pool, 'default');
 * ```
 */
export async function listSchedules(db: Queryable, tenantId: string): Promise<ScheduleRow[]> {
  const { rows } = await db.query<ScheduleRow>(`SELECT ${COLUMNS} FROM waymark.schedules WHERE tenant_id = $1 ORDER BY name`, [tenantId]);
  return rows;
}

/**
 * One schedule of a tenant, by name.
 *
 * @example
 * ```ts
 * const row = await getSchedule(pool, 'default', 'daily-digest');
 * ```
 */
export async function getSchedule(db: Queryable, tenantId: string, name: string): Promise<ScheduleRow | undefined> {
  const { rows } = await db.query<ScheduleRow>(`SELECT ${COLUMNS} FROM waymark.schedules WHERE tenant_id = $1 AND name = $2`, [tenantId, name]);
  return rows[0];
}

/**
 * Pauses a schedule (`by` set) or resumes it (`by` null, ticking again from `nextTickAt`: the
 * ticks it missed while paused are not run). Returns the row, or undefined when there is none.
 *
 * @example
 * ```ts
 * await setSchedulePaused(tx, 'default', 'daily-digest', { by: 'ada', now });
 * ```
 */
export async function setSchedulePaused(
  db: Queryable,
  tenantId: string,
  name: string,
  change: { by: string; now: Date } | { by: null; now: Date; nextTickAt: Date },
): Promise<ScheduleRow | undefined> {
  const { rows } = change.by !== null
    ? await db.query<ScheduleRow>(
      `UPDATE waymark.schedules SET paused_at = coalesce(paused_at, $3), paused_by = coalesce(paused_by, $4), updated_at = $3
       WHERE tenant_id = $1 AND name = $2 RETURNING ${COLUMNS}`,
      [tenantId, name, change.now, change.by],
    )
    : await db.query<ScheduleRow>(
      `UPDATE waymark.schedules
       SET next_tick_at = CASE WHEN paused_at IS NULL THEN next_tick_at ELSE $4 END, paused_at = NULL, paused_by = NULL, updated_at = $3
       WHERE tenant_id = $1 AND name = $2 RETURNING ${COLUMNS}`,
      [tenantId, name, change.now, change.nextTickAt],
    );
  return rows[0];
}

/**
 * Deletes a schedule; false when there was none. The runs it started stay.
 *
 * @example
 * ```ts
 * await deleteSchedule(tx, 'default', 'daily-digest');
 * ```
 */
export async function deleteSchedule(db: Queryable, tenantId: string, name: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM waymark.schedules WHERE tenant_id = $1 AND name = $2', [tenantId, name]);
  return Boolean(rowCount);
}

/**
 * Deletes the schedules declared in code for `workflows` that the current code no longer
 * declares (`keep`: `<tenant>/<name>` of those it does), in every tenant; returns them. Run with
 * the system scope.
 *
 * @example
 * ```ts
 * const gone = await deleteUndeclaredSchedules(tx, ['digest'], ['default/morning-digest']);
 * ```
 */
export async function deleteUndeclaredSchedules(db: Queryable, workflows: readonly string[], keep: readonly string[]): Promise<{ tenant_id: string; name: string }[]> {
  const { rows } = await db.query<{ tenant_id: string; name: string }>(
    `DELETE FROM waymark.schedules WHERE declared AND workflow = ANY($1::text[]) AND NOT (tenant_id || '/' || name = ANY($2::text[]))
     RETURNING tenant_id, name`,
    [workflows, keep],
  );
  return rows;
}

/**
 * Active schedules of every tenant whose next tick is at or before `now`, for workflows this
 * process can start, oldest tick first: the one query of a housekeeping tick (index
 * `schedules_due`). Run with the system scope.
 *
 * @example
 * ```ts
 * const due = await dueSchedules(tx, now, ['digest'], 100);
 * ```
 */
export async function dueSchedules(db: Queryable, now: Date, workflows: readonly string[], limit: number): Promise<{ id: string; tenant_id: string }[]> {
  const { rows } = await db.query<{ id: string; tenant_id: string }>(
    `SELECT id, tenant_id FROM waymark.schedules
     WHERE paused_at IS NULL AND next_tick_at <= $1 AND workflow = ANY($2::text[])
     ORDER BY next_tick_at LIMIT $3`,
    [now, workflows, limit],
  );
  return rows;
}

/**
 * Locks a schedule that is still due; undefined when another worker holds it (SKIP LOCKED) or
 * has moved it on already. Hold the lock until the runs of its ticks are started and
 * {@link advanceSchedule} has committed with them.
 *
 * @example
 * ```ts
 * const row = await lockDueSchedule(tx, id, now);
 * ```
 */
export async function lockDueSchedule(db: Queryable, id: string, now: Date): Promise<ScheduleRow | undefined> {
  const { rows } = await db.query<ScheduleRow>(
    `SELECT ${COLUMNS} FROM waymark.schedules WHERE id = $1 AND paused_at IS NULL AND next_tick_at <= $2 FOR UPDATE SKIP LOCKED`,
    [id, now],
  );
  return rows[0];
}

/**
 * Moves a locked schedule to its next tick, recording the last tick handled, the run it started
 * and why a tick started none (null: it did).
 *
 * @example
 * ```ts
 * await advanceSchedule(tx, id, { nextTickAt, lastTickAt, lastRunId, lastError: null, now });
 * ```
 */
export async function advanceSchedule(
  db: Queryable,
  id: string,
  a: { nextTickAt: Date; lastTickAt: Date | null; lastRunId: string | null; lastError: string | null; now: Date },
): Promise<void> {
  await db.query(
    `UPDATE waymark.schedules SET next_tick_at = $2, last_tick_at = coalesce($3, last_tick_at), last_run_id = coalesce($4, last_run_id),
       last_error = $5, updated_at = $6
     WHERE id = $1`,
    [id, a.nextTickAt, a.lastTickAt, a.lastRunId, a.lastError, a.now],
  );
}
