/**
 * @module shared-pool
 * The runtime's connection pool, for Waymark primitives called from inside workflows (which
 * cannot be handed a pool as an argument: their arguments are checkpointed).
 */
import type pg from 'pg';
import { WaymarkError } from '../errors.js';

let current: pg.Pool | undefined;

/**
 * Sets (or clears) the pool primitives use; called by the runtime.
 *
 * @example
 * ```ts
 * setSharedPool(pool);
 * ```
 */
export function setSharedPool(pool: pg.Pool | undefined): void {
  current = pool;
}

/**
 * The pool of the running Waymark.
 *
 * @example
 * ```ts
 * await sharedPool().query('SELECT 1');
 * ```
 */
export function sharedPool(): pg.Pool {
  if (!current) throw new WaymarkError('not_started', 'Waymark is not started in this process (call startWaymark first)');
  return current;
}
