/**
 * @module store/child-runs
 * SQL for child runs (migration 021): which runs a parent started with `startChildren`, which
 * of them the concurrency cap still holds back, how each ended. The release of held children
 * and the parent's wake-up happen in the database, in the transaction of each child's end
 * (`waymark.child_run_ended`); this file writes the links and reads the states.
 */
import type { Queryable } from './gateway.js';

/** The link of a child to its parent, as `startChildren` writes it. */
export interface NewChildLink {
  childRunId: string;
  parentRunId: string;
  tenantId: string;
  groupId: string;
  position: number;
  concurrency: number;
  /** Enqueued held back by the cap (DBOS DELAYED). */
  held: boolean;
  /** Goes on after its parent ends (otherwise it is cancelled then). */
  outliveParent?: boolean;
}

/**
 * Records a child's link in the transaction that inserts and enqueues it.
 *
 * @example
 * ```ts
 * await insertChildLink(q, { childRunId, parentRunId, tenantId, groupId, position: 0, concurrency: 3, held: false });
 * ```
 */
export async function insertChildLink(db: Queryable, c: NewChildLink): Promise<void> {
  await db.query(
    `INSERT INTO waymark.child_runs (child_run_id, parent_run_id, tenant_id, group_id, position, concurrency, held, outlive_parent)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [c.childRunId, c.parentRunId, c.tenantId, c.groupId, c.position, c.concurrency, c.held, c.outliveParent ?? false],
  );
}

/**
 * The parent of a child run, or undefined when `childRunId` is no child run.
 *
 * @example
 * ```ts
 * if ((await childParent(q, id)) !== parentRunId) throw conflict;
 * ```
 */
export async function childParent(db: Queryable, childRunId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ parent_run_id: string }>('SELECT parent_run_id FROM waymark.child_runs WHERE child_run_id = $1', [childRunId]);
  return rows[0]?.parent_run_id;
}

/** A child as its parent and operators see it. */
export interface ChildRow {
  child_run_id: string;
  parent_run_id: string;
  group_id: string;
  position: number;
  workflow: string;
  phase: string;
  /** DBOS status, a parked child shown as PENDING. */
  status: string | null;
  parked: boolean;
  held: boolean;
  business_key: string | null;
  ended_status: string | null;
  ended_at: Date | null;
  created_at: Date;
  output: unknown;
  error: unknown;
}

const SELECT_CHILD = `
  SELECT c.child_run_id, c.parent_run_id, c.group_id, c.position, r.workflow, r.phase,
         CASE WHEN s.status = 'CANCELLED' AND p.run_id IS NOT NULL THEN 'PENDING' ELSE s.status END AS status,
         p.run_id IS NOT NULL AS parked, c.held, r.business_key, c.ended_status, c.ended_at, c.created_at,
         waymark.decode_dbos_value(o.output) AS output, waymark.decode_dbos_value(o.error) AS error
  FROM waymark.child_runs c
  JOIN waymark.runs r ON r.id = c.child_run_id
  LEFT JOIN dbos.workflow_status s ON s.workflow_uuid = c.child_run_id
  LEFT JOIN dbos.workflow_output o ON o.workflow_uuid = c.child_run_id
  LEFT JOIN waymark.parked_runs p ON p.run_id = c.child_run_id AND p.state IN ('parking', 'parked', 'resuming')`;

/**
 * The states of the given children of `parentRunId` (others are not returned).
 *
 * @example
 * ```ts
 * const rows = await childStates(q, parentRunId, handles.map((h) => h.runId));
 * ```
 */
export async function childStates(db: Queryable, parentRunId: string, childRunIds: readonly string[]): Promise<ChildRow[]> {
  const { rows } = await db.query<ChildRow>(`${SELECT_CHILD} WHERE c.parent_run_id = $1 AND c.child_run_id = ANY($2::text[])`, [parentRunId, childRunIds]);
  return rows;
}

/**
 * A tenant's children of a run, in the order they were started (call, then position); at most
 * `limit`.
 *
 * @example
 * ```ts
 * const children = await listChildren(q, 'default', runId, 500);
 * ```
 */
export async function listChildren(db: Queryable, tenantId: string, parentRunId: string, limit: number): Promise<ChildRow[]> {
  const { rows } = await db.query<ChildRow>(
    `${SELECT_CHILD} WHERE c.tenant_id = $1 AND c.parent_run_id = $2 ORDER BY c.created_at, c.group_id, c.position LIMIT $3`,
    [tenantId, parentRunId, limit],
  );
  return rows;
}

/**
 * The parent's cancel reached its children: nothing more is released by the cap. Returns the
 * children that have not ended, for the caller to cancel (after this commits). Call it before
 * taking the parent's park lock: a child's end takes its row, then the parent's park lock.
 *
 * @example
 * ```ts
 * const open = await stopReleasingChildren(q, parentRunId);
 * ```
 */
export async function stopReleasingChildren(db: Queryable, parentRunId: string): Promise<string[]> {
  const { rows } = await db.query<{ child_run_id: string; ended_at: Date | null }>(
    `UPDATE waymark.child_runs SET cancelled_with_parent = true WHERE parent_run_id = $1
     RETURNING child_run_id, ended_at`,
    [parentRunId],
  );
  return rows.filter((r) => r.ended_at === null).map((r) => r.child_run_id);
}

/** A child that has not ended although its parent has. */
export interface OrphanedChild {
  child_run_id: string;
  parent_run_id: string;
  tenant_id: string;
  parent_phase: string;
}

/**
 * Children (not `outliveParent`) that have not ended, of parents in a terminal phase (migration
 * 027), not claimed by a cascade in the last `claimStaleMs`: what the cascade cancels. Oldest
 * parents' children first; one indexed pass over the children that have not ended.
 *
 * @example
 * ```ts
 * for (const c of await orphanedChildren(q, 100, 60_000)) await cancel(c.child_run_id);
 * ```
 */
export async function orphanedChildren(db: Queryable, limit: number, claimStaleMs: number): Promise<OrphanedChild[]> {
  const { rows } = await db.query<OrphanedChild>(
    `SELECT c.child_run_id, c.parent_run_id, c.tenant_id, p.phase AS parent_phase
     FROM waymark.child_runs c JOIN waymark.runs p ON p.id = c.parent_run_id
     WHERE c.ended_at IS NULL AND NOT c.outlive_parent
       AND p.phase IN (SELECT phase FROM waymark.phases WHERE terminal)
       AND (c.cascade_claimed_at IS NULL OR c.cascade_claimed_at < clock_timestamp() - $2 * interval '1 millisecond')
     ORDER BY p.updated_at, c.parent_run_id, c.position
     LIMIT $1`,
    [limit, claimStaleMs],
  );
  return rows;
}

/**
 * Claims a child for the cascade of its parent's end or cancel: true for exactly one of any
 * number of concurrent callers, and again once a claim is `staleMs` old (its claimer died).
 *
 * @example
 * ```ts
 * if (await claimChildCascade(q, childRunId, 60_000)) await cancel(childRunId);
 * ```
 */
export async function claimChildCascade(db: Queryable, childRunId: string, staleMs: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE waymark.child_runs SET cascade_claimed_at = clock_timestamp()
     WHERE child_run_id = $1 AND (cascade_claimed_at IS NULL OR cascade_claimed_at < clock_timestamp() - $2 * interval '1 millisecond')`,
    [childRunId, staleMs],
  );
  return rowCount === 1;
}
