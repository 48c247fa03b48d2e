/**
 * @module service/run-start
 * Starting a run inside a transaction the caller owns: the run row (with its business key and
 * its chosen or deterministic id), its sealed secret input and its DBOS enqueue commit together
 * with whatever else the caller writes — an API start's limit check, a schedule's advance, a
 * webhook's event row. Used by `RunService.start`, schedules and event triggers alike.
 */
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import { redact } from '../agent/tool-keys.js';
import type { WorkflowDefinition, WorkflowRegistry } from '../agent/workflows.js';
import { ConflictError, ValidationError } from '../errors.js';
import type { InstallationKeys } from '../installation-keys.js';
import type { Scope } from '../scope.js';
import type { Tx } from '../store/gateway.js';
import { insertRunDispatch } from '../store/run-dispatch.js';
import { insertRunSecrets } from '../store/run-secrets.js';
import { appendRunEvent, insertRun, workflowExists } from '../store/runs.js';
import { initRunState } from '../store/states.js';
import { recordRunQueue } from '../store/run-queue.js';
import { checkQueueControls, dbosPartitionKey, queueFields, refuseDeduplicated, type CheckedQueueControls, type QueueControls } from './run-queue-controls.js';

/** What starting a run needs besides the transaction. */
export interface RunStartDeps {
  dbos: DBOSClient;
  registry: WorkflowRegistry;
  queueName: string;
  appVersion: string;
  keys: InstallationKeys;
}

/** A run to start, checked and prepared outside the transaction. */
export interface PreparedRun {
  id: string;
  def: WorkflowDefinition;
  /** The live input (secret fields included). */
  input: unknown;
  /** The input as stored: secret fields `[redacted]`. */
  stored: unknown;
  requestHash: string;
  idempotencyKey: string | null;
  businessKey: string | null;
  /** Its queue, priority, partition key, deduplication id and debounce. */
  queue: CheckedQueueControls;
  /** The run starting this one as its child (`startChildren`). */
  parentRunId: string | null;
  /** Enqueued held back (DBOS DELAYED) until a sibling's end releases it (the children's concurrency cap). */
  held: boolean;
  /**
   * The worker that starts the run's workflow itself right after the commit (instant dispatch,
   * `service/run-dispatch.ts`): the transaction writes a dispatch row instead of the enqueue.
   */
  directBy?: string | undefined;
}

/**
 * How long a held child's enqueue is delayed: for ever, in effect. Its release (migration 021)
 * sets the delay to 0 in the transaction of a sibling's end.
 */
const HELD_DELAY_SECONDS = 100 * 365 * 24 * 3600;

/** Why a run was started, for its audit trail (an event appended with its `created`). */
export interface StartOrigin {
  kind: string;
  data: Record<string, unknown>;
}

/** Run ids a caller may choose: printable, no spaces, and not in the forms Waymark makes itself. */
const CHOSEN_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const RESERVED_ID = /^(?:sched|event|child):|\.fork\.|\.compensation$/;

/**
 * Checks a run id chosen by a caller; throws `invalid_run_id` (422) with what is wrong.
 *
 * @example
 * ```ts
 * checkChosenRunId('order-42-refund'); // ok
 * checkChosenRunId('sched:x');         // throws: reserved for schedules
 * ```
 */
export function checkChosenRunId(id: string): void {
  if (!CHOSEN_ID.test(id)) {
    throw new ValidationError(`Run id '${id.slice(0, 140)}' is invalid: 1-128 characters, letters, digits and . _ : @ -, starting with a letter or digit`, { id }, 'invalid_run_id');
  }
  if (RESERVED_ID.test(id)) {
    throw new ValidationError(`Run id '${id}' is reserved: ids starting with 'sched:', 'event:' or 'child:' or containing '.fork.' or ending in '.compensation' are made by Waymark`, { id }, 'invalid_run_id');
  }
}

/**
 * Validates a start request and prepares what the transaction writes.
 *
 * @example
 * ```ts
 * const p = prepareRun(deps, { id: randomUUID(), workflow: 'greet', input: { name: 'Ada' } });
 * ```
 */
export function prepareRun(
  deps: RunStartDeps,
  req: {
    id: string; workflow: string; input: unknown; idempotencyKey?: string | null | undefined; businessKey?: string | null | undefined;
    queue?: QueueControls | undefined; parentRunId?: string | null | undefined; held?: boolean | undefined;
  },
): PreparedRun {
  const def = deps.registry.get(req.workflow);
  const queue = checkQueueControls(def, req.queue);
  const input = def.parseInput(req.input);
  // Secret fields are stored redacted (here and in DBOS's checkpoint); the live input is
  // sealed for the workflow to open when it executes.
  const stored = def.secretInputPaths.length > 0 ? redact(input, def.secretInputPaths) : input;
  return {
    id: req.id, def, input, stored,
    requestHash: deps.keys.hash({ workflow: req.workflow, input: req.input }),
    idempotencyKey: req.idempotencyKey ?? null,
    businessKey: req.businessKey ?? null,
    queue,
    parentRunId: req.parentRunId ?? null,
    held: req.held ?? false,
  };
}

/**
 * Inserts and enqueues a prepared run in the caller's transaction. Returns false, having
 * written nothing, when the run exists already: the tenant's idempotency key was used, or a run
 * (of any tenant) or another DBOS workflow has the id.
 *
 * @example
 * ```ts
 * await db.tx(scope, (q) => insertPreparedRun(deps, q, scope, prepared, { kind: 'started_by_schedule', data: { scheduleId } }));
 * ```
 */
export async function insertPreparedRun(deps: RunStartDeps, q: Tx, scope: Scope, p: PreparedRun, origin?: StartOrigin): Promise<boolean> {
  // A DBOS workflow of this id that is no run (a compensation, say) would be taken for this
  // run's by the enqueue below; such an id is taken.
  if (await workflowExists(q, p.id)) return false;
  const { def, queue } = p;
  if (queue.deduplicationId !== null) await refuseDeduplicated(q, scope, def.name, queue.deduplicationId);
  const inserted = await insertRun(q, {
    id: p.id, tenantId: scope.tenantId, workflow: def.name, input: p.stored, idempotencyKey: p.idempotencyKey, businessKey: p.businessKey,
    requestHash: p.requestHash, appVersion: deps.appVersion, createdBy: scope.actor, startedByKey: scope.keyId,
    retryBudget: def.retryBudget ?? null,
    deadlineMs: def.deadlineMs ?? null,
    idleTimeoutMs: def.idleTimeoutMs ?? null,
    onTimeout: def.onTimeout,
    budget: def.budget,
    parentRunId: p.parentRunId,
  });
  if (!inserted) return false;
  if (def.states) await initRunState(q, { runId: p.id, tenantId: scope.tenantId, machine: def.states, by: scope.actor });
  if (origin) await appendRunEvent(q, { runId: p.id, tenantId: scope.tenantId, kind: origin.kind, actor: scope.actor, data: origin.data });
  if (def.secretInputPaths.length > 0) {
    await insertRunSecrets(q, { runId: p.id, tenantId: scope.tenantId, sealed: deps.keys.seal(JSON.stringify(p.input), p.id) });
  }
  if (queue.recorded) await recordRunQueue(q, p.id, queueFields(queue));
  if (p.directBy !== undefined) {
    await insertRunDispatch(q, { runId: p.id, tenantId: scope.tenantId, queueName: deps.queueName, executorId: p.directBy });
    return true;
  }
  await deps.dbos.enqueueInTransaction(
    q,
    {
      queueName: queue.queueName, workflowName: def.dbosName, workflowClassName: def.dbosClassName, workflowID: p.id, appVersion: deps.appVersion,
      priority: queue.priority, queuePartitionKey: dbosPartitionKey(scope.tenantId, queue.partitionKey),
      // A child beyond its parent's cap waits DELAYED until a sibling's end releases it; a
      // debounced run waits out its delay DELAYED, and later starts with its key push it back.
      delaySeconds: p.held ? HELD_DELAY_SECONDS : queue.debounce ? queue.debounce.delayMs / 1000 : undefined,
    },
    p.stored,
  );
  return true;
}

/**
 * The conflict of a chosen id that is taken.
 *
 * @example
 * ```ts
 * throw runIdTaken('order-42');
 * ```
 */
export function runIdTaken(id: string): ConflictError {
  return new ConflictError('run_id_taken', `A run with id '${id}' exists already (run ids are unique across the installation); choose another id`, { id });
}
