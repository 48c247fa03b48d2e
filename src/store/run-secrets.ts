/**
 * @module store/run-secrets
 * `waymark.run_secrets`: the sealed live values of a run's secret input fields (deleted by a
 * trigger when the run succeeds).
 */
import type { Queryable } from './gateway.js';

/**
 * Stores the sealed secret inputs of a new run.
 *
 * @example
 * ```ts
 * await insertRunSecrets(q, { runId, tenantId, sealed: keys.seal(JSON.stringify(values), runId) });
 * ```
 */
export async function insertRunSecrets(db: Queryable, row: { runId: string; tenantId: string; sealed: string }): Promise<void> {
  await db.query('INSERT INTO waymark.run_secrets (run_id, tenant_id, sealed) VALUES ($1, $2, $3)', [row.runId, row.tenantId, row.sealed]);
}

/**
 * The sealed secret inputs of run `runId`, or undefined when there are none (any more).
 *
 * @example
 * ```ts
 * const sealed = await getRunSecrets(q, runId);
 * ```
 */
export async function getRunSecrets(db: Queryable, runId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ sealed: string }>('SELECT sealed FROM waymark.run_secrets WHERE run_id = $1', [runId]);
  return rows[0]?.sealed;
}
