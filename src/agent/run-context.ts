/**
 * @module agent/run-context
 * The per-run context every primitive works through: the calling run's id and tenant, and the
 * runtime's database gateway, configuration, clock and logger. The tenant is read once per run
 * and process, so a primitive's transactions are scoped to the run's tenant without a
 * default.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { WaymarkConfig } from '../config.js';
import { WaymarkError } from '../errors.js';
import type { InstallationKeys } from '../installation-keys.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../runtime/clock.js';
import { currentRuntime } from '../runtime/process-runtime.js';
import { SYSTEM_SCOPE, type TenantScope } from '../scope.js';
import type { Database } from '../store/gateway.js';
import { getRunTenant } from '../store/runs.js';
import { compensatedRunId } from './tool-keys.js';

/** What a primitive called from a run's workflow works with. */
export interface RunContext {
  readonly runId: string;
  /** The run's tenant, for the gateway. */
  readonly scope: TenantScope;
  /** The API key whose authority the run acts with (null: started by the CLI or the embedding API). */
  readonly startedByKey: string | null;
  readonly db: Database;
  readonly config: WaymarkConfig;
  /** The installation's keys (tool-call keys). */
  readonly keys: InstallationKeys;
  readonly clock: Clock;
  /** A logger carrying the run id. */
  readonly log: Logger;
}

const MAX_CACHED_TENANTS = 10_000;

/**
 * The calling workflow's run id; throws `not_in_workflow` outside a workflow function.
 *
 * @example
 * ```ts
 * const runId = workflowRunId('requestApproval');
 * ```
 */
export function workflowRunId(primitive: string): string {
  const runId = DBOS.workflowID;
  if (runId === undefined || !DBOS.isInWorkflow()) {
    throw new WaymarkError('not_in_workflow', `${primitive} must be called from a workflow function`);
  }
  return runId;
}

/**
 * The context of the calling run, or undefined when the workflow was started with plain DBOS
 * (no Waymark run).
 *
 * @example
 * ```ts
 * const ctx = await findRunContext('setRunPhase');
 * if (!ctx) return; // not a Waymark run: nothing to record
 * ```
 */
export async function findRunContext(primitive: string): Promise<RunContext | undefined> {
  const runId = workflowRunId(primitive);
  // A run's compensation workflow acts for its run, in its run's tenant.
  return contextForRun(runId, compensatedRunId(runId) ?? runId);
}

/**
 * The context of run `runId`, or undefined when no Waymark run has that id; `tenantOf` is the
 * run whose tenant applies (the run itself, or the run a compensation works for).
 *
 * @example
 * ```ts
 * const ctx = await contextForRun(runId);
 * ```
 */
export async function contextForRun(runId: string, tenantOf: string = runId): Promise<RunContext | undefined> {
  const rt = currentRuntime();
  let identity = rt.runTenants.get(tenantOf);
  if (identity === undefined) {
    identity = await rt.db.read(SYSTEM_SCOPE, (q) => getRunTenant(q, tenantOf));
    if (identity === undefined) return undefined;
    if (rt.runTenants.size >= MAX_CACHED_TENANTS) rt.runTenants.delete(rt.runTenants.keys().next().value!);
    rt.runTenants.set(tenantOf, identity);
  }
  const { tenantId, startedByKey } = identity;
  return { runId, scope: { tenantId }, startedByKey, db: rt.db, config: rt.config, keys: rt.keys, clock: rt.clock, log: rt.log.child({ runId, tenantId }) };
}

/**
 * The context of the calling run; throws `run_required` for a workflow started with plain DBOS.
 *
 * @example
 * ```ts
 * const ctx = await runContext('callTool');
 * await ctx.db.tx(ctx.scope, (q) => recordSomething(q));
 * ```
 */
export async function runContext(primitive: string): Promise<RunContext> {
  const ctx = await findRunContext(primitive);
  if (!ctx) throw new WaymarkError('run_required', `${primitive} needs a run started through Waymark (runs.start, POST /v1/runs or the CLI)`);
  return ctx;
}
