/**
 * @module store/transaction-completions
 * SQL of the knex data source: the completion row that commits with a business transaction,
 * so a replay after a crash returns the recorded outcome instead of writing twice.
 */
import type { Knex } from 'knex';

const TABLE = 'waymark.transaction_completion';

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
