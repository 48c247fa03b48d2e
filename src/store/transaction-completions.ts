/**
 * @module store/transaction-completions
 * SQL of the knex data source: the completion row that commits with a business transaction,
 * so a replay after a crash returns the recorded outcome instead of writing twice.
 */
import type { Knex } from 'knex';

const TABLE = 'waymark.transaction_completion';

/**
 * Whether a run id is a fork made by Waymark (`<origin>.fork.<unique>`, see `forkRunId`): only
 * those look for their ancestors' outcomes, so other runs' transactions pay no extra query.
 *
 * @example
 * ```ts
 * isForkRunId('a1b2.fork.c3d4'); // true
 * ```
 */
export function isForkRunId(runId: string): boolean {
  return runId.includes('.fork.');
}

/** A committed outcome of the same step in a run a fork descends from. */
export interface AncestorOutcome {
  /** Waymark's own completion row (SuperJSON), when the ancestor never checkpointed the step. */
  completion: string | null;
  /** DBOS's checkpoint of the step (its serialisation), when it did. */
  checkpoint: string | null;
}

/** A recorded outcome (DBOS-serialised). */
export interface Completion {
  output: string | null;
  error: string | null;
}

/**
 * Whether the completion table exists (it comes from Waymark's migrations).
 *
 * @example
 * ```ts
 * if (!(await completionTableExists(knex))) throw new Error('run waymark migrate');
 * ```
 */
export async function completionTableExists(k: Knex): Promise<boolean> {
  const { rows } = await k.raw<{ rows: { present: boolean }[] }>(`SELECT to_regclass('${TABLE}') IS NOT NULL AS present`);
  return rows[0]?.present === true;
}

/**
 * The recorded outcome of a workflow's transaction step, if any.
 *
 * @example
 * ```ts
 * const done = await findCompletion(trx, workflowID, stepID);
 * ```
 */
export async function findCompletion(k: Knex | Knex.Transaction, workflowID: string, stepID: number): Promise<Completion | undefined> {
  const { rows } = await k.raw<{ rows: Completion[] }>(`SELECT output, error FROM ${TABLE} WHERE workflow_id = ? AND function_num = ?`, [workflowID, stepID]);
  return rows[0];
}

/**
 * The committed outcome of transaction step `stepID` (named `name`) in the nearest run this
 * fork descends from (`forked_from`, then that run's own origin …), when `stepID` is the fork's
 * own fork step: its completion row when the ancestor died between the commit and DBOS's
 * checkpoint, else DBOS's checkpoint of the step (DBOS deletes a data source's completion rows
 * once a workflow completes). That step ran in the ancestor with the same inputs, so a fork (a
 * dead-letter retry, say) must not write again. Later steps are re-executed as the fork asks.
 * Failed outcomes are not returned: a retry of a failed transaction runs it again.
 *
 * @example
 * ```ts
 * const earlier = await findAncestorOutcome(trx, 'run-1.fork.x', 7, 'storeDocument');
 * ```
 */
export async function findAncestorOutcome(k: Knex | Knex.Transaction, workflowID: string, stepID: number, name: string): Promise<AncestorOutcome | undefined> {
  const { rows } = await k.raw<{ rows: AncestorOutcome[] }>(
    `WITH RECURSIVE chain (id, depth) AS (
       SELECT forked_from, 1 FROM waymark.runs WHERE id = ? AND forked_from IS NOT NULL
       UNION ALL
       SELECT r.forked_from, c.depth + 1 FROM waymark.runs r JOIN chain c ON r.id = c.id WHERE r.forked_from IS NOT NULL AND c.depth < 50)
     SELECT t.output AS completion, o.output AS checkpoint
     FROM chain c
     -- Only at the fork's own fork step (from the run's fork_requested event): that step ran
     -- in the ancestor with the same inputs; later steps are re-executed on purpose.
     JOIN LATERAL (
       SELECT 1 FROM waymark.runs f JOIN waymark.run_events e ON e.run_id = f.forked_from AND e.kind = 'fork_requested' AND e.data ->> 'newRunId' = f.id
       WHERE f.id = ? AND (e.data ->> 'fromStep')::int = ? LIMIT 1) AS at_fork_step ON true
     LEFT JOIN ${TABLE} t ON t.workflow_id = c.id AND t.function_num = ? AND t.error IS NULL
     LEFT JOIN dbos.operation_outputs o ON o.workflow_uuid = c.id AND o.function_id = ? AND o.function_name = ? AND o.error IS NULL
     WHERE t.workflow_id IS NOT NULL OR o.workflow_uuid IS NOT NULL
     ORDER BY c.depth LIMIT 1`,
    [workflowID, workflowID, stepID, stepID, stepID, name],
  );
  return rows[0];
}

/**
 * Records a step's output inside its transaction; false when a concurrent execution recorded
 * it first (its row makes ours wait for its commit, then conflict).
 *
 * @example
 * ```ts
 * if (!(await insertCompletion(trx, workflowID, stepID, json))) replay();
 * ```
 */
export async function insertCompletion(trx: Knex.Transaction, workflowID: string, stepID: number, output: string): Promise<boolean> {
  const { rows } = await trx.raw<{ rows: unknown[] }>(
    `INSERT INTO ${TABLE} (workflow_id, function_num, output) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1`,
    [workflowID, stepID, output],
  );
  return rows.length === 1;
}

/**
 * Records a step's failure (outside its rolled-back transaction), so a replay raises it again.
 *
 * @example
 * ```ts
 * await recordFailedCompletion(knex, workflowID, stepID, SuperJSON.stringify(e));
 * ```
 */
export async function recordFailedCompletion(k: Knex, workflowID: string, stepID: number, error: string): Promise<void> {
  await k.raw(`INSERT INTO ${TABLE} (workflow_id, function_num, error) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, [workflowID, stepID, error]);
}

/**
 * Deletes a workflow's completion rows from `startStep` on.
 *
 * @example
 * ```ts
 * await deleteCompletions(trx, workflowID, 0);
 * ```
 */
export async function deleteCompletions(k: Knex | Knex.Transaction, workflowID: string, startStep: number): Promise<void> {
  await k.raw(`DELETE FROM ${TABLE} WHERE workflow_id = ? AND function_num >= ?`, [workflowID, startStep]);
}
