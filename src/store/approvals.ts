/**
 * @module store/approvals
 * SQL for `waymark.approvals`. Audit entries go to `waymark.run_events` (kind `approval_*`),
 * so they appear in the run's timeline and in `waymark.run_history`.
 */
import type { Queryable } from './gateway.js';

/** Who may decide. */
export interface Assignees {
  users: string[];
  roles: string[];
}

/** An approval row. */
export interface ApprovalRow {
  id: string;
  tenant_id: string;
  run_id: string;
  title: string;
  proposal: unknown;
  edit_schema: Record<string, unknown> | null;
  assignees: Assignees;
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';
  escalation_level: number;
  reminders_sent: number;
  deadline_at: Date | null;
  deadline_outcome: 'reject' | 'fail' | 'continue' | null;
  decided_by: string | null;
  decided_at: Date | null;
  comment: string | null;
  edits: unknown;
  final_value: unknown;
  edit_diff: unknown;
  created_at: Date;
  updated_at: Date;
  /** `created_at` as exact text, for keyset cursors. */
  created_key: string;
}

const SELECT = `SELECT *, created_at::text AS created_key FROM waymark.approvals`;

/** Fields of a new approval. */
export interface NewApproval {
  id: string;
  runId: string;
  title: string;
  proposal: unknown;
  editSchema: Record<string, unknown> | null;
  assignees: Assignees;
  /** The request's time on the runtime clock; reminders and the deadline count from it. */
  createdAt: Date;
  /** The deadline, in ms after `createdAt`. */
  deadlineAfterMs: number | null;
  deadlineOutcome: 'reject' | 'fail' | 'continue' | null;
}

/**
 * Creates an approval for a run, with its `approval_requested` event, and moves the run to
 * `waiting_for_approval`; idempotent (a replay finds the row). Returns the row.
 *
 * @example
 * ```ts
 * const row = await insertApproval(tx, 'default', { id, runId, title: 'Pay claim 42', proposal, editSchema: null, assignees, createdAt: new Date(), deadlineAfterMs: null, deadlineOutcome: null });
 * ```
 */
export async function insertApproval(db: Queryable, tenantId: string, a: NewApproval): Promise<ApprovalRow | undefined> {
  const { rows } = await db.query<ApprovalRow>(
    `WITH run AS (SELECT id, tenant_id FROM waymark.runs WHERE id = $2 AND tenant_id = $10),
     ins AS (
       INSERT INTO waymark.approvals (id, tenant_id, run_id, title, proposal, edit_schema, assignees, status, created_at, deadline_at, deadline_outcome)
       SELECT $1, run.tenant_id, run.id, $3, $4, $5, $6, 'pending', $7,
              $7::timestamptz + make_interval(secs => $9::float8 / 1000), $8 FROM run
       ON CONFLICT (id) DO NOTHING
       RETURNING *, created_at::text AS created_key),
     ev AS (
       INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, reason, data)
       SELECT run_id, tenant_id, 'approval_requested', 'workflow', title,
              jsonb_build_object('approvalId', id, 'assignees', assignees, 'proposal', proposal, 'deadlineAt', deadline_at)
       FROM ins)
     SELECT * FROM ins`,
    [a.id, a.runId, a.title, JSON.stringify(a.proposal ?? null), a.editSchema ? JSON.stringify(a.editSchema) : null,
      JSON.stringify(a.assignees), a.createdAt, a.deadlineOutcome, a.deadlineAfterMs, tenantId],
  );
  return rows[0] ?? (await getApproval(db, tenantId, a.id));
}

/**
 * One approval of a tenant.
 *
 * @example
 * ```ts
 * const a = await getApproval(pool, 'default', id);
 * ```
 */
export async function getApproval(db: Queryable, tenantId: string, id: string, forUpdate = false): Promise<ApprovalRow | undefined> {
  const { rows } = await db.query<ApprovalRow>(
    `${SELECT} WHERE id = $1 AND tenant_id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [id, tenantId],
  );
  return rows[0];
}

/** Filters of the inbox. */
export interface ApprovalFilter {
  status?: string | undefined;
  /** A user id: approvals assigned to them. */
  assignee?: string | undefined;
  role?: string | undefined;
  /** Approvals this principal may decide: assigned to its name or to one of its roles. */
  decidableBy?: { user: string; roles: readonly string[] } | undefined;
  runId?: string | undefined;
  limit: number;
  after?: { createdKey: string; id: string } | undefined;
}

/**
 * A page of approvals, newest first (fetches `limit + 1`).
 *
 * @example
 * ```ts
 * const rows = await listApprovals(pool, 'default', { status: 'pending', assignee: 'ada', limit: 20 });
 * ```
 */
export async function listApprovals(db: Queryable, tenantId: string, f: ApprovalFilter): Promise<ApprovalRow[]> {
  const where = ['tenant_id = $1'];
  const params: unknown[] = [tenantId];
  const add = (sql: (n: number) => string, v: unknown): void => {
    params.push(v);
    where.push(sql(params.length));
  };
  if (f.status) add((n) => `status = $${n}`, f.status);
  if (f.assignee) add((n) => `assignees @> jsonb_build_object('users', jsonb_build_array($${n}::text))`, f.assignee);
  if (f.role) add((n) => `assignees @> jsonb_build_object('roles', jsonb_build_array($${n}::text))`, f.role);
  if (f.decidableBy) {
    params.push(f.decidableBy.user, [...f.decidableBy.roles]);
    where.push(`(assignees->'users' ? $${params.length - 1} OR assignees->'roles' ?| $${params.length}::text[])`);
  }
  if (f.runId) add((n) => `run_id = $${n}`, f.runId);
  if (f.after) {
    params.push(f.after.createdKey, f.after.id);
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length})`);
  }
  params.push(f.limit + 1);
  const { rows } = await db.query<ApprovalRow>(`${SELECT} WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`, params);
  return rows;
}

/** A decision to record. */
export interface DecisionUpdate {
  status: 'approved' | 'rejected' | 'expired';
  by: string;
  comment: string | null;
  edits: unknown;
  finalValue: unknown;
  editDiff: unknown;
}

/**
 * Records the decision (or expiry) of a pending approval, with its audit event; returns the
 * decided row, or undefined when the approval was no longer pending (someone else decided first).
 *
 * @example
 * ```ts
 * const won = await decideApproval(txClient, row, { status: 'approved', by: 'ada', comment: null, edits: null, finalValue: row.proposal, editDiff: [] });
 * ```
 */
export async function decideApproval(db: Queryable, a: ApprovalRow, d: DecisionUpdate): Promise<ApprovalRow | undefined> {
  // The decided row comes back from the UPDATE itself: the caller answers with it, no re-read.
  const { rows } = await db.query<ApprovalRow>(
    `WITH upd AS (
       UPDATE waymark.approvals
       SET status = $2, decided_by = $3, decided_at = clock_timestamp(), comment = $4, edits = $5, final_value = $6,
           edit_diff = $7, updated_at = clock_timestamp()
       WHERE id = $1 AND status = 'pending'
       RETURNING *, created_at::text AS created_key),
     ev AS (
       INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, reason, data)
       SELECT run_id, tenant_id, $8, $3, $4,
              jsonb_strip_nulls(jsonb_build_object('approvalId', id, 'decision', $2::text, 'edits', $5::jsonb, 'diff', $7::jsonb))
       FROM upd)
     SELECT * FROM upd`,
    [a.id, d.status, d.by, d.comment, d.edits === undefined ? null : JSON.stringify(d.edits), JSON.stringify(d.finalValue ?? null),
      JSON.stringify(d.editDiff ?? []), d.status === 'expired' ? 'approval_expired' : 'approval_decided'],
  );
  return rows[0];
}

/**
 * Records that reminder `n` went out (once: a repeat after a crash changes nothing).
 *
 * @example
 * ```ts
 * await recordReminder(pool, id, 1, ['webhook']);
 * ```
 */
export async function recordReminder(db: Queryable, id: string, n: number, channels: string[]): Promise<void> {
  await db.query(
    `WITH upd AS (
       UPDATE waymark.approvals SET reminders_sent = $2, updated_at = clock_timestamp()
       WHERE id = $1 AND reminders_sent < $2 RETURNING id, run_id, tenant_id)
     INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, data)
     SELECT run_id, tenant_id, 'approval_reminder_sent', 'workflow', jsonb_build_object('approvalId', id, 'reminder', $2::int, 'channels', $3::jsonb)
     FROM upd`,
    [id, n, JSON.stringify(channels)],
  );
}

/**
 * Hands the approval to the next level of its escalation chain (once per level).
 *
 * @example
 * ```ts
 * await recordEscalation(pool, id, 1, { users: ['deputy@example.com'], roles: [] });
 * ```
 */
export async function recordEscalation(db: Queryable, id: string, level: number, to: Assignees): Promise<void> {
  await db.query(
    `WITH upd AS (
       UPDATE waymark.approvals SET escalation_level = $2, assignees = $3, updated_at = clock_timestamp()
       WHERE id = $1 AND escalation_level < $2 AND status = 'pending' RETURNING id, run_id, tenant_id)
     INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, data)
     SELECT run_id, tenant_id, 'approval_escalated', 'workflow', jsonb_build_object('approvalId', id, 'level', $2::int, 'to', $3::jsonb)
     FROM upd`,
    [id, level, JSON.stringify(to)],
  );
}
