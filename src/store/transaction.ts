/**
 * @module store/transaction
 * One transaction on a pooled connection: BEGIN, the work, COMMIT — or ROLLBACK on any error —
 * and the connection back to the pool either way.
 */
import type pg from 'pg';

/**
 * Runs `work` in a transaction and returns its result.
 *
 * @example
 * ```ts
 * const row = await inTransaction(pool, async (tx) => (await tx.query('SELECT 1 AS one')).rows[0]);
 * ```
 */
export async function inTransaction<T>(pool: pg.Pool, work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    const result = await work(tx);
    await tx.query('COMMIT');
    return result;
  } catch (e) {
    await tx.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    tx.release();
  }
}
