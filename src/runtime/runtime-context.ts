/**
 * @module runtime-context
 * The running Waymark's pool and configuration, for primitives called from inside workflows
 * (which cannot be handed them as arguments: workflow and step arguments are checkpointed).
 */
import type pg from 'pg';
import type { WaymarkConfig } from '../config.js';
import { WaymarkError } from '../errors.js';

let current: { pool: pg.Pool; config: WaymarkConfig } | undefined;

/**
 * Sets (or clears) what primitives use; called by the runtime.
 *
 * @example
 * ```ts
 * setRuntimeContext({ pool, config });
 * ```
 */
export function setRuntimeContext(ctx: { pool: pg.Pool; config: WaymarkConfig } | undefined): void {
  current = ctx;
}

function require(): { pool: pg.Pool; config: WaymarkConfig } {
  if (!current) throw new WaymarkError('not_started', 'Waymark is not started in this process (call startWaymark first)');
  return current;
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
  return require().pool;
}

/**
 * The configuration of the running Waymark.
 *
 * @example
 * ```ts
 * const { notify } = runtimeConfig();
 * ```
 */
export function runtimeConfig(): WaymarkConfig {
  return require().config;
}
