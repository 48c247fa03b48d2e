/**
 * @module store/runs
 * SQL for `waymark.runs`, joined with DBOS's status and output tables.
 */
import { PhaseTransitionError } from '../errors.js';
import { mapDatabaseError, type Queryable } from './gateway.js';

/** A run as stored, with DBOS's view of it. */
export interface RunRow {
  id: string;
  tenant_id: string;
  workflow: string;
  phase: string;
  input: unknown;
  idempotency_key: string | null;
  request_hash: string | null;
  forked_from: string | null;
  app_version: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  /** `created_at` as exact text, for keyset cursors (JS dates drop microseconds). */
  created_key: string;
  status: string | null;
  executor_id: string | null;
  started_at: Date | null;
  completed_at: Date | null;
  output: unknown;
  error: unknown;
}

const SELECT_RUN = `
  SELECT r.id, r.tenant_id, r.workflow, r.phase, r.input, r.idempotency_key, r.request_hash, r.forked_from,
         r.app_version, r.created_by, r.created_at, r.updated_at, r.created_at::text AS created_key,
         s.status, s.executor_id,
         to_timestamp(s.started_at_epoch_ms / 1000.0) AS started_at,
         to_timestamp(s.completed_at / 1000.0) AS completed_at,
         waymark.decode_dbos_value(o.output) AS output,
         waymark.decode_dbos_value(o.error) AS error
  FROM waymark.runs r
  LEFT JOIN dbos.workflow_status s ON s.workflow_uuid = r.id
  LEFT JOIN dbos.workflow_output o ON o.workflow_uuid = r.id`;

/** Fields of a new run. */
export interface NewRun {
  id: string;
  tenantId: string;
  workflow: string;
  input: unknown;
  idempotencyKey: string | null;
  requestHash: string;
  appVersion: string;
  createdBy: string;
  /** Tool-call retries the run may spend; null for the default. */
  retryBudget: number | null;
  deadlineMs?: number | null;
  idleTimeoutMs?: number | null;
  onTimeout?: 'fail' | 'escalate';
}

/**
 * Inserts a run in phase `queued` with its `created` event; returns false (and writes nothing)
 * when the tenant already has a run with this idempotency key.
 *
 * @example
 * ```ts
 * const created = await insertRun(txClient, { id, tenantId: 'default', workflow: 'greet', input, idempotencyKey: null, requestHash, appVersion: '1.0.0', createdBy: 'api' });
 * ```
 */
export async function insertRun(db: Queryable, run: NewRun): Promise<boolean> {
  const { rowCount } = await db.query(
    `WITH ins AS (
       INSERT INTO waymark.runs (id, tenant_id, workflow, phase, input, idempotency_key, request_hash, app_version, created_by,
                                 origin_run_id, retry_budget, deadline_ms, idle_timeout_ms, on_timeout)
       VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8, $1, $9, $10, $11, $12)
       ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
       RETURNING id, tenant_id)
     INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, to_phase, data)
     SELECT id, tenant_id, 'created', $8, 'queued', jsonb_build_object('workflow', $3::text) FROM ins`,
    [run.id, run.tenantId, run.workflow, JSON.stringify(run.input), run.idempotencyKey, run.requestHash, run.appVersion, run.createdBy,
      run.retryBudget, run.deadlineMs ?? null, run.idleTimeoutMs ?? null, run.onTimeout ?? 'fail'],
  );
  return rowCount === 1;
}

/**
 * Reads one run of a tenant.
 *
 * @example
 * ```ts
 * const run = await getRun(pool, 'default', id);
 * ```
 */
export async function getRun(db: Queryable, tenantId: string, id: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(`${SELECT_RUN} WHERE r.tenant_id = $1 AND r.id = $2`, [tenantId, id]);
  return rows[0];
}

/**
 * Reads the run a tenant started with an idempotency key.
 *
 * @example
 * ```ts
 * const existing = await getRunByIdempotencyKey(pool, 'default', 'order-42');
 * ```
 */
export async function getRunByIdempotencyKey(db: Queryable, tenantId: string, key: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(`${SELECT_RUN} WHERE r.tenant_id = $1 AND r.idempotency_key = $2`, [tenantId, key]);
  return rows[0];
}

/** Filters and page position for {@link listRuns}. */
export interface RunFilter {
  status?: string | undefined;
  phase?: string | undefined;
  workflow?: string | undefined;
  limit: number;
  /** Keyset position: the last row of the previous page. */
  after?: { createdKey: string; id: string } | undefined;
}

/**
 * A page of a tenant's runs, newest first. Fetches `limit + 1` rows so the caller knows
 * whether another page exists.
 *
 * @example
 * ```ts
 * const rows = await listRuns(pool, 'default', { limit: 20, workflow: 'greet' });
 * ```
 */
export async function listRuns(db: Queryable, tenantId: string, f: RunFilter): Promise<RunRow[]> {
  const where = ['r.tenant_id = $1'];
  const params: unknown[] = [tenantId];
  const add = (sql: string, v: unknown): void => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.workflow) add('r.workflow = ?', f.workflow);
  if (f.phase) add('r.phase = ?', f.phase);
  if (f.status) add('s.status = ?', f.status);
  if (f.after) {
    params.push(f.after.createdKey, f.after.id);
    where.push(`(r.created_at, r.id) < ($${params.length - 1}::timestamptz, $${params.length})`);
  }
  params.push(f.limit + 1);
  const { rows } = await db.query<RunRow>(
    `${SELECT_RUN} WHERE ${where.join(' AND ')} ORDER BY r.created_at DESC, r.id DESC LIMIT $${params.length}`,
    params,
  );
  return rows;
}

/** An entry of the `waymark.run_history` view. */
export interface HistoryRow {
  entry_type: 'step' | 'event' | 'tool_call';
  step_id: number | null;
  name: string;
  at: Date;
  started_at: Date | null;
  ended_at: Date | null;
  actor: string | null;
  from_phase: string | null;
  to_phase: string | null;
  reason: string | null;
  output: unknown;
  error: unknown;
  child_workflow_id: string | null;
  data: Record<string, unknown> | null;
}

/**
 * A run's steps and events in order, from the audit view.
 *
 * @example
 * ```ts
 * const entries = await getRunHistory(pool, 'default', id);
 * ```
 */
export async function getRunHistory(db: Queryable, tenantId: string, id: string): Promise<HistoryRow[]> {
  const { rows } = await db.query<HistoryRow>(
    `SELECT entry_type, step_id, name, at, started_at, ended_at, actor, from_phase, to_phase, reason, output, error,
            child_workflow_id, data
     FROM waymark.run_history WHERE tenant_id = $1 AND run_id = $2
     ORDER BY at, entry_type DESC, entry_order`,
    [tenantId, id],
  );
  return rows;
}

/** An audit event to append. */
export interface NewRunEvent {
  runId: string;
  tenantId: string;
  kind: string;
  actor: string;
  reason?: string | undefined;
  data?: Record<string, unknown> | undefined;
}

/**
 * Appends an event to a run's audit trail (in the run's tenant when none is given).
 *
 * @example
 * ```ts
 * await appendRunEvent(pool, { runId, tenantId: 'default', kind: 'cancel_requested', actor: 'api' });
 * ```
 */
export async function appendRunEvent(db: Queryable, e: NewRunEvent | Omit<NewRunEvent, 'tenantId'>): Promise<void> {
  if (!('tenantId' in e)) {
    // The run's own tenant, looked up in the same statement.
    await db.query(
      `INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, reason, data)
       SELECT id, tenant_id, $2, $3, $4, $5 FROM waymark.runs WHERE id = $1`,
      [e.runId, e.kind, e.actor, e.reason ?? null, JSON.stringify(e.data ?? {})],
    );
    return;
  }
  await db.query(
    `INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, reason, data) VALUES ($1, $2, $3, $4, $5, $6)`,
    [e.runId, e.tenantId, e.kind, e.actor, e.reason ?? null, JSON.stringify(e.data ?? {})],
  );
}

/** A phase change: the run, the phase it moves to, who moves it, why, and details for the audit trail. */
export type PhaseChange = [runId: string, to: string, actor: string, reason?: string, data?: Record<string, unknown>];

/**
 * Moves a run to another business phase through `waymark.change_phase`; returns the previous
 * phase, or null if the run already was in `to`. Raises SQLSTATE WM001 when the transition is
 * not allowed and P0002 when the run does not exist.
 *
 * @example
 * ```ts
 * await changePhase(client, runId, 'waiting_for_approval', 'workflow', 'invoice over limit');
 * ```
 */
export async function changePhase(db: Queryable, ...[runId, to, actor, reason, data]: PhaseChange): Promise<string | null> {
  const { rows } = await db.query<{ previous: string | null }>(
    'SELECT waymark.change_phase($1, $2, $3, $4, $5, true) AS previous',
    [runId, to, actor, reason ?? null, JSON.stringify(data ?? {})],
  );
  return rows[0]?.previous ?? null;
}

/**
 * Moves a run from `running` to a waiting phase; a run in another phase (escalated, say) keeps
 * it, so an escalation stays visible while the run waits. Returns whether it moved.
 *
 * @example
 * ```ts
 * await enterWaitingPhase(txClient, runId, 'waiting_for_event', 'waiting for the police report', { waitId });
 * ```
 */
export async function enterWaitingPhase(
  db: Queryable,
  runId: string,
  to: 'waiting_for_approval' | 'waiting_for_event',
  reason: string,
  data: Record<string, unknown>,
): Promise<boolean> {
  const { rows } = await db.query<{ phase: string }>('SELECT phase FROM waymark.runs WHERE id = $1 FOR UPDATE', [runId]);
  if (rows[0]?.phase !== 'running') return false;
  await changePhase(db, runId, to, 'workflow', reason, data);
  return true;
}

/**
 * Like {@link changePhase}, but a transition the phase rules refuse leaves the phase as it is
 * (a savepoint keeps the rest of the transaction); returns whether the phase moved.
 *
 * @example
 * ```ts
 * await changePhaseIfAllowed(tx, runId, 'escalated', 'system', 'deadline exceeded');
 * ```
 */
export async function changePhaseIfAllowed(db: Queryable, ...change: PhaseChange): Promise<boolean> {
  await db.query('SAVEPOINT phase');
  try {
    await changePhase(db, ...change);
    await db.query('RELEASE SAVEPOINT phase');
    return true;
  } catch (e) {
    if (!(mapDatabaseError(e) instanceof PhaseTransitionError)) throw e;
    await db.query('ROLLBACK TO SAVEPOINT phase');
    return false;
  }
}

/**
 * The tenant of a run, or undefined when no Waymark run has this id.
 *
 * @example
 * ```ts
 * const tenantId = await getRunTenant(tx, runId);
 * ```
 */
export async function getRunTenant(db: Queryable, runId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ tenant_id: string }>('SELECT tenant_id FROM waymark.runs WHERE id = $1', [runId]);
  return rows[0]?.tenant_id;
}

/**
 * How many steps of a run DBOS has checkpointed (the highest step id + 1; 0 for none).
 *
 * @example
 * ```ts
 * if (fromStep > await recordedSteps(tx, runId)) refuse();
 * ```
 */
export async function recordedSteps(db: Queryable, runId: string): Promise<number> {
  const { rows } = await db.query<{ n: number | null }>('SELECT max(function_id) + 1 AS n FROM dbos.operation_outputs WHERE workflow_uuid = $1', [runId]);
  return rows[0]?.n ?? 0;
}

/**
 * A run's recorded steps that open, answer or end a wait (approvals, events, their timeouts),
 * with their outputs decoded, in step order.
 *
 * @example
 * ```ts
 * const steps = await waitSteps(tx, runId);
 * ```
 */
export async function waitSteps(db: Queryable, runId: string): Promise<{ id: number; name: string; output: unknown }[]> {
  const { rows } = await db.query<{ id: number; name: string; output: unknown }>(
    `SELECT function_id AS id, function_name AS name, waymark.decode_dbos_value(output) AS output FROM dbos.operation_outputs
     WHERE workflow_uuid = $1
       AND function_name IN ('waymark.approval.request', 'waymark.event.wait', 'DBOS.recv', 'waymark.event.timeout', 'waymark.approval.expired')
     ORDER BY function_id`,
    [runId],
  );
  return rows;
}

/**
 * Whether DBOS has a workflow with this id (a started run, fork or compensation).
 *
 * @example
 * ```ts
 * if (!(await workflowExists(tx, forkId))) reopen();
 * ```
 */
export async function workflowExists(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM dbos.workflow_status WHERE workflow_uuid = $1', [id]);
  return Boolean(rowCount);
}
