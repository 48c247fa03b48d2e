/**
 * @module store/runs
 * SQL for `waymark.runs`, joined with DBOS's status and output tables.
 */
import { PhaseTransitionError } from '../errors.js';
import { scrubDeep, scrubText } from '../redact.js';
import { mapDatabaseError, type Queryable } from './gateway.js';

/** A run as stored, with DBOS's view of it. */
export interface RunRow {
  id: string;
  tenant_id: string;
  workflow: string;
  phase: string;
  /** The run's own business state (null: its workflow declares none). */
  state: string | null;
  input: unknown;
  idempotency_key: string | null;
  business_key: string | null;
  request_hash: string | null;
  forked_from: string | null;
  /** The run that started this one with `startChildren` (migration 021). */
  parent_run_id: string | null;
  app_version: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  /** `created_at` as exact text, for keyset cursors (JS dates drop microseconds). */
  created_key: string;
  status: string | null;
  /** Whether the run's wait parked (its execution ended; a message or its timer resumes it). */
  parked: boolean;
  executor_id: string | null;
  started_at: Date | null;
  completed_at: Date | null;
  output: unknown;
  error: unknown;
  /** The run's own queue (NULL: the shared one), priority and partition key (migration 022). */
  queue_name: string | null;
  priority: number | null;
  partition_key: string | null;
}

/**
 * The run's status as clients see it: a parked run (its execution ended while it waits, DBOS
 * says CANCELLED) is waiting, as a live waiting run is.
 */
const RUN_STATUS = `CASE WHEN s.status = 'CANCELLED' AND p.run_id IS NOT NULL THEN 'PENDING' ELSE s.status END`;

const SELECT_RUN = `
  SELECT r.id, r.tenant_id, r.workflow, r.phase, r.state, r.input, r.idempotency_key, r.business_key, r.request_hash, r.forked_from, r.parent_run_id,
         r.queue_name, r.priority, r.partition_key,
         r.app_version, r.created_by, r.created_at, r.updated_at, r.created_at::text AS created_key,
         ${RUN_STATUS} AS status, p.run_id IS NOT NULL AS parked, s.executor_id,
         -- a run started directly (instant dispatch) has no queue claim: it started when DBOS created it
         to_timestamp(coalesce(s.started_at_epoch_ms, CASE WHEN s.queue_name IS NULL AND s.status <> 'ENQUEUED' THEN s.created_at END) / 1000.0) AS started_at,
         -- a parked run has not completed, whatever DBOS's cancel wrote
         CASE WHEN p.run_id IS NULL THEN to_timestamp(s.completed_at / 1000.0) END AS completed_at,
         waymark.decode_dbos_value(o.output) AS output,
         waymark.decode_dbos_value(o.error) AS error
  FROM waymark.runs r
  LEFT JOIN dbos.workflow_status s ON s.workflow_uuid = r.id
  LEFT JOIN dbos.workflow_output o ON o.workflow_uuid = r.id
  LEFT JOIN waymark.parked_runs p ON p.run_id = r.id AND p.state IN ('parking', 'parked', 'resuming')`;

/** Fields of a new run. */
export interface NewRun {
  id: string;
  tenantId: string;
  workflow: string;
  input: unknown;
  idempotencyKey: string | null;
  /** What the run is about in the business (`lead:123`); not unique. */
  businessKey?: string | null;
  requestHash: string;
  appVersion: string;
  createdBy: string;
  /** The API key that started the run (null: the CLI or the embedding API): its authority is checked again before writes. */
  startedByKey?: string | null;
  /** Tool-call retries the run may spend; null for the default. */
  retryBudget: number | null;
  deadlineMs?: number | null;
  idleTimeoutMs?: number | null;
  onTimeout?: 'fail' | 'escalate';
  /** The workflow's model-call budget (limits and policy), as declared. */
  budget?: unknown;
  /** The run that starts this one as its child (same tenant). */
  parentRunId?: string | null;
}

/** How close a tenant is to its run limits (see {@link tenantRunLoad}). */
export interface TenantRunLoad {
  /** Seconds until a run of the last minute ages out, when the tenant started `perMinute` runs in it; else null. */
  windowFullForSeconds: number | null;
  /** Unfinished runs (queued, executing, waiting), counted up to `inFlight`; null when not asked. */
  inFlight: number | null;
}

/**
 * Reads a tenant's recent and unfinished runs, each count bounded by its limit so the cost stays
 * small however many runs the tenant has (0: that limit is off and not read).
 *
 * @example
 * ```ts
 * const load = await tenantRunLoad(tx, 'default', { perMinute: 6000, inFlight: 100_000 });
 * ```
 */
export async function tenantRunLoad(db: Queryable, tenantId: string, limits: { perMinute: number; inFlight: number }): Promise<TenantRunLoad> {
  const { rows } = await db.query<{ window_full_for_seconds: string | null; in_flight: string | null }>(
    `SELECT
       CASE WHEN $2::int > 0 THEN (
         SELECT extract(epoch FROM r.created_at + interval '60 seconds' - clock_timestamp())
         FROM waymark.runs r WHERE r.tenant_id = $1 AND r.created_at > clock_timestamp() - interval '60 seconds'
         ORDER BY r.created_at DESC, r.id DESC OFFSET greatest($2::int - 1, 0) LIMIT 1) END AS window_full_for_seconds,
       -- Unfinished: not in a terminal phase (queued, executing, waiting or parked), read from
       -- the partial index runs_tenant_active_idx (migration 028).
       CASE WHEN $3::int > 0 THEN (
         SELECT count(*) FROM (
           SELECT 1 FROM waymark.runs r
           WHERE r.tenant_id = $1 AND r.phase NOT IN ('completed', 'failed', 'cancelled', 'rolled_back', 'compensation_failed')
           LIMIT $3) x) END AS in_flight`,
    [tenantId, limits.perMinute, limits.inFlight],
  );
  const row = rows[0]!;
  return {
    windowFullForSeconds: row.window_full_for_seconds === null ? null : Number(row.window_full_for_seconds),
    inFlight: row.in_flight === null ? null : Number(row.in_flight),
  };
}

/**
 * Inserts a run in phase `queued` with its `created` event; returns false (and writes nothing)
 * when the tenant already has a run with this idempotency key, or any tenant has a run with
 * this id.
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
                                 origin_run_id, retry_budget, deadline_ms, idle_timeout_ms, on_timeout, started_by_key, budget, business_key, parent_run_id)
       VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8, $1, $9, $10, $11, $12, $13, $14, $15, $16)
       -- Either unique key: (tenant, idempotency key) or the id (a chosen or deterministic one).
       ON CONFLICT DO NOTHING
       RETURNING id, tenant_id)
     INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, to_phase, data)
     SELECT id, tenant_id, 'created', $8, 'queued', jsonb_build_object('workflow', $3::text) FROM ins`,
    [run.id, run.tenantId, run.workflow, JSON.stringify(run.input), run.idempotencyKey, run.requestHash, run.appVersion, run.createdBy,
      run.retryBudget, run.deadlineMs ?? null, run.idleTimeoutMs ?? null, run.onTimeout ?? 'fail', run.startedByKey ?? null,
      run.budget === undefined ? null : JSON.stringify(run.budget), run.businessKey ?? null, run.parentRunId ?? null],
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
  /** The run's own business state. */
  state?: string | undefined;
  workflow?: string | undefined;
  /** The idempotency key given at start. */
  idempotencyKey?: string | undefined;
  /** The business key given at start (`lead:123`). */
  businessKey?: string | undefined;
  /** Only children of this run. */
  parentRunId?: string | undefined;
  /** Created at or after. */
  from?: Date | undefined;
  /** Created before. */
  to?: Date | undefined;
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
  if (f.state) add('r.state = ?', f.state);
  if (f.status) add(`${RUN_STATUS} = ?`, f.status);
  if (f.idempotencyKey) add('r.idempotency_key = ?', f.idempotencyKey);
  if (f.businessKey) add('r.business_key = ?', f.businessKey);
  if (f.parentRunId) add('r.parent_run_id = ?', f.parentRunId);
  if (f.from) add('r.created_at >= ?', f.from);
  if (f.to) add('r.created_at < ?', f.to);
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
      [e.runId, e.kind, e.actor, scrubReason(e.reason), scrubData(e.data)],
    );
    return;
  }
  await db.query(
    `INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, reason, data) VALUES ($1, $2, $3, $4, $5, $6)`,
    [e.runId, e.tenantId, e.kind, e.actor, scrubReason(e.reason), scrubData(e.data)],
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
    [runId, to, actor, scrubReason(reason), scrubData(data)],
  );
  return rows[0]?.previous ?? null;
}

/**
 * Moves a run back to `running` with the answer that wakes it (a decision, an event, a wait's
 * expiry), in the transaction that records the answer: a transition the phase rules do not allow
 * (or a run that is gone) changes nothing instead of failing the answer. Returns the previous
 * phase, null when nothing changed.
 *
 * @example
 * ```ts
 * await resumeRunningPhase(txClient, runId, 'ada@example.com', 'Refund: approved by ada@example.com', { approvalId });
 * ```
 */
export async function resumeRunningPhase(db: Queryable, runId: string, actor: string, reason: string, data: Record<string, unknown>): Promise<string | null> {
  const { rows } = await db.query<{ previous: string | null }>(
    `SELECT waymark.change_phase($1, 'running', $2, $3, $4, false) AS previous`,
    [runId, actor, scrubReason(reason), scrubData(data)],
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
 * Moves a run out of a waiting phase back to `running`; a run in another phase (escalated,
 * cancelled, or already running) keeps it. For a wait whose answer is found by a re-executed
 * step: the step's first execution had entered the waiting phase, then its worker died before
 * the step's checkpoint, and the answer came meanwhile. Returns whether it moved.
 *
 * @example
 * ```ts
 * await leaveWaitingPhase(txClient, runId, 'waiting_for_event', 'received police_report.received C-100', { waitId });
 * ```
 */
export async function leaveWaitingPhase(
  db: Queryable,
  runId: string,
  from: 'waiting_for_approval' | 'waiting_for_event',
  reason: string,
  data: Record<string, unknown>,
): Promise<boolean> {
  const { rows } = await db.query<{ phase: string }>('SELECT phase FROM waymark.runs WHERE id = $1 FOR UPDATE', [runId]);
  if (rows[0]?.phase !== from) return false;
  await changePhase(db, runId, 'running', 'workflow', reason, data);
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
 * const { tenantId, startedByKey } = (await getRunTenant(tx, runId))!;
 * ```
 */
export async function getRunTenant(db: Queryable, runId: string): Promise<RunIdentity | undefined> {
  // A fork's starter is recorded before DBOS creates it (run_starters), so it is known at once.
  const { rows } = await db.query<{ tenant_id: string; started_by_key: string | null }>(
    `SELECT r.tenant_id, coalesce(s.key_id, r.started_by_key) AS started_by_key
     FROM waymark.runs r LEFT JOIN waymark.run_starters s ON s.run_id = r.id WHERE r.id = $1`,
    [runId],
  );
  const r = rows[0];
  return r && { tenantId: r.tenant_id, startedByKey: r.started_by_key };
}

/** What never changes about a run: its tenant, and the API key that started it. */
export interface RunIdentity {
  tenantId: string;
  startedByKey: string | null;
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

/** Audit events are append-only: a secret in one could never be removed, so none goes in. */
function scrubReason(reason: string | null | undefined): string | null {
  return reason == null ? null : scrubText(reason);
}

function scrubData(data: Record<string, unknown> | null | undefined): string {
  return JSON.stringify(scrubDeep(data ?? {}));
}

/**
 * Records who starts a fork or a retry before DBOS creates it: its authority (the key) and its
 * name, for the run row the status trigger writes.
 *
 * @example
 * ```ts
 * await recordRunStarter(tx, { runId: newId, tenantId, keyId: scope.keyId, actor: scope.actor });
 * ```
 */
export async function recordRunStarter(db: Queryable, s: { runId: string; tenantId: string; keyId: string | null; actor: string }): Promise<void> {
  await db.query(
    `INSERT INTO waymark.run_starters (run_id, tenant_id, key_id, actor) VALUES ($1, $2, $3, $4) ON CONFLICT (run_id) DO NOTHING`,
    [s.runId, s.tenantId, s.keyId, s.actor],
  );
}

/**
 * Writes a fork's starter onto its run row (once DBOS has created it).
 *
 * @example
 * ```ts
 * await applyRunStarter(tx, newId);
 * ```
 */
export async function applyRunStarter(db: Queryable, runId: string): Promise<void> {
  await db.query(
    `UPDATE waymark.runs r SET started_by_key = s.key_id, created_by = s.actor
     FROM waymark.run_starters s WHERE s.run_id = r.id AND r.id = $1`,
    [runId],
  );
}

/**
 * A run's DBOS status (null: not created in DBOS yet; undefined: no such run in the tenant).
 * One primary-key read, for waits that look again after each notification.
 *
 * @example
 * ```ts
 * const status = await getRunStatus(tx, 'default', runId);
 * ```
 */
export async function getRunStatus(db: Queryable, tenantId: string, id: string): Promise<string | null | undefined> {
  const { rows } = await db.query<{ status: string | null }>(
    // A parked run's DBOS status is CANCELLED; it is waiting, as RunView says (PENDING).
    `SELECT CASE WHEN s.status = 'CANCELLED' AND waymark.is_parked(r.id) THEN 'PENDING' ELSE s.status END AS status
     FROM waymark.runs r LEFT JOIN dbos.workflow_status s ON s.workflow_uuid = r.id WHERE r.tenant_id = $1 AND r.id = $2`,
    [tenantId, id],
  );
  return rows[0] ? rows[0].status : undefined;
}
