/**
 * @module service/runs
 * Operations on runs shared by the HTTP API, the CLI and embedding applications: start (with
 * idempotency keys), read, list, timeline, cancel, resume and fork.
 */
import { randomUUID } from 'node:crypto';
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import { forkRunId } from '../agent/tool-keys.js';
import type { WorkflowRegistry } from '../agent/workflows.js';
import type { InstallationKeys } from '../installation-keys.js';
import { ConflictError, NotFoundError, RunEndedError, ValidationError, WaymarkError, ensureError } from '../errors.js';
import { WorkflowStatus } from '../phases.js';
import { publicError, scrubMessage, type PublicError } from '../public-error.js';
import { createScope, SYSTEM_SCOPE, type Scope } from '../scope.js';
import type { Logger } from '../logger.js';
import { compensableCalls, compensationStarted } from '../store/compensation.js';
import { eventTopic, type ReceivedEvent } from '../agent/wait-for-event.js';
import { lockCorrelation, markDelivered, missedEvents, openWaitKeys } from '../store/events.js';
import type { Database, Queryable } from '../store/gateway.js';
import {
  appendRunEvent,
  applyRunStarter,
  recordRunStarter,
  getRun,
  getRunByIdempotencyKey,
  getRunHistory,
  getRunStatus,
  tenantRunLoad,
  listRuns,
  recordedSteps,
  resumeRunningPhase,
  waitSteps,
  type HistoryRow,
  type RunRow,
} from '../store/runs.js';
import type { RunStreamListener } from '../store/run-stream-listener.js';
import type { InstantDispatch } from './run-dispatch.js';
import { checkChosenRunId, insertPreparedRun, prepareRun, runIdTaken } from './run-start.js';
import { DEFAULT_PRIORITY, foldDebounced, type QueueControls } from './run-queue-controls.js';
import { copyRunQueue, runQueues } from '../store/run-queue.js';
import { cancelParked, clearParkTombstone } from '../store/parked-runs.js';
import { claimChildCascade, listChildren, orphanedChildren, stopReleasingChildren, type ChildRow } from '../store/child-runs.js';
import { startCompensation } from './compensation.js';
import { forkBlockedByWait } from './fork-rules.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { metrics } from '../telemetry/metrics.js';
import { recordForkState, stateAtStep } from '../store/states.js';
import { readTranscriptPage, type TranscriptPage, type TranscriptQuery } from './transcripts.js';

/** A run as clients see it. */
export interface RunView {
  id: string;
  workflow: string;
  tenantId: string;
  /** DBOS execution status (ENQUEUED, PENDING, SUCCESS, ERROR, CANCELLED, ...). */
  status: string;
  /** Waymark business phase. */
  phase: string;
  /** The run's own business state, as its workflow declared them (null: it declares none). */
  state: string | null;
  /**
   * True while the run's wait is parked: it waits (status PENDING, a waiting phase) without an
   * execution in any worker; the answer or its next timer resumes it.
   */
  parked: boolean;
  input: unknown;
  output: unknown;
  error: PublicError | null;
  idempotencyKey: string | null;
  /** What the run is about in the business (`lead:123`), as given at start. */
  businessKey: string | null;
  forkedFrom: string | null;
  /** The run that started this one as its child (`startChildren`); its children: `children()`. */
  parentRunId: string | null;
  appVersion: string | null;
  executorId: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
  /** Queue priority: 0 runs first, 1000 last (default 500). */
  priority: number;
  /** The partition key it was started with (workflows declared partitioned). */
  partitionKey: string | null;
}

/** A child run as its parent's page shows it. */
export interface ChildView {
  id: string;
  workflow: string;
  /** DBOS status (a child held back by the concurrency cap is DELAYED; a parked one PENDING). */
  status: string;
  phase: string;
  parked: boolean;
  /** Waiting for a place under its call's concurrency cap. */
  held: boolean;
  /** The `startChildren` call (`<parent>:<step>`) and the child's position in it. */
  groupId: string;
  position: number;
  businessKey: string | null;
  createdAt: string;
  /** When it ended (null while in progress). */
  endedAt: string | null;
}

/** One entry of a run's timeline. */
export interface TimelineEntry {
  type: 'step' | 'event' | 'tool_call';
  at: string;
  /** Step function name, or event kind. */
  name: string;
  stepId?: number;
  startedAt?: string | null;
  endedAt?: string | null;
  output?: unknown;
  error?: PublicError | null;
  childRunId?: string | null;
  actor?: string;
  fromPhase?: string | null;
  toPhase?: string | null;
  reason?: string | null;
  data?: Record<string, unknown>;
}

/** A page of runs. */
export interface RunPage {
  runs: RunView[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

/** What {@link RunService.start} takes. */
export interface StartRunRequest {
  workflow: string;
  input: unknown;
  /** A repeat of the same request with this key returns the first run instead of starting another. */
  idempotencyKey?: string | undefined;
  /**
   * The run's id (default: a random UUID): 1-128 letters, digits and `. _ : @ -`. Unique across
   * the installation: an id any run has is refused with `run_id_taken` (409).
   */
  id?: string | undefined;
  /** What the run is about in the business (`lead:123`): listed by `list({ businessKey })`. */
  businessKey?: string | undefined;
  /** Resolve only when the run has ended (with its output); see {@link RunService.start}. */
  wait?: boolean | WaitOptions | undefined;
  /** 0 (runs first) to 1000 (runs last), default 500: the order of a tenant's queued runs of one queue. */
  priority?: QueueControls['priority'];
  /** Required for a workflow declared partitioned (`customer:42`): its limits hold per key. */
  partitionKey?: QueueControls['partitionKey'];
  /** Refuse this start (409 `run_deduplicated`, naming the run) while a run of the workflow with this id has not ended. */
  deduplicationId?: QueueControls['deduplicationId'];
  /** Fold starts with this key within `delayMs` of each other into one run, executed once with the latest input. */
  debounce?: QueueControls['debounce'];
}

/** How long to wait for a run to end. */
export interface WaitOptions {
  /** Default 30 s; at most 10 minutes. */
  timeoutMs?: number | undefined;
}

/** A started (or, for a repeated idempotency key, found) run. */
export interface StartedRun {
  run: RunView;
  /** False when an idempotency key answered with an earlier run, or a debounced start folded into one. */
  created: boolean;
  /** True when this debounced start folded into the delayed run of its key. */
  debounced?: boolean;
  /** With `wait`: the run's output (it succeeded). */
  output?: unknown;
}

/** What {@link RunService.result} answers. */
export interface RunResult {
  /** Whether the run has ended (succeeded, failed, cancelled or given up). */
  done: boolean;
  /** The run: its output or error when done, else its state at the timeout. */
  run: RunView;
}

/** Dependencies of {@link RunService}. */
export interface RunServiceDeps {
  db: Database;
  dbos: DBOSClient;
  registry: WorkflowRegistry;
  queueName: string;
  appVersion: string;
  /** The installation's keys: request hashes, sealed secret inputs. */
  keys: InstallationKeys;
  /**
   * Per-tenant limits on starts, checked across all processes through the database (0 or absent:
   * no limit). Concurrent starts are not serialised, so a burst may pass a limit by the number
   * of starts in progress at that moment.
   */
  limits?: { runsPerMinute: number; runsInFlight: number };
  /** The process's stream listener: a wait for a run's result wakes on its end's notification. */
  listener?: RunStreamListener;
  /** How often such a wait looks again anyway, in case a notification was lost (default 5 s). */
  resultRecheckMs?: number;
  /** A worker's instant dispatch: a run it starts with a free slot executes at once. */
  dispatch?: InstantDispatch | undefined;
}

const DEFAULT_WAIT_MS = 30_000;
const MAX_WAIT_MS = 600_000;
/** A waiting result looks again this often even without a notification (one might be lost). */
const FALLBACK_LOOK_MS = 5_000;
const ENDED = new Set<string>([WorkflowStatus.Success, WorkflowStatus.Error, WorkflowStatus.Cancelled, WorkflowStatus.MaxRecoveryAttemptsExceeded]);
const BUSINESS_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Checks a business key: 1-255 printable ASCII characters without spaces (`lead:123`).
 *
 * @example
 * ```ts
 * checkBusinessKey('lead:123');
 * ```
 */
export function checkBusinessKey(key: string): void {
  if (!BUSINESS_KEY.test(key)) throw new ValidationError('A business key must be 1-255 printable ASCII characters without spaces', undefined, 'invalid_business_key');
}

/**
 * A child claimed by a cascade (an operator's cancel in its process, or housekeeping) is claimed
 * again after this long: its claimer died before it could cancel it.
 */
const CASCADE_CLAIM_STALE_MS = 60_000;

const CANCELLABLE = new Set<string>([WorkflowStatus.Enqueued, WorkflowStatus.Delayed, WorkflowStatus.Pending]);
const RESUMABLE = new Set<string>([WorkflowStatus.Cancelled, WorkflowStatus.Error, WorkflowStatus.MaxRecoveryAttemptsExceeded]);

/**
 * The run operations.
 *
 * @example
 * ```ts
 * const { run, created } = await runs.start(scope, { workflow: 'greet', input: { name: 'Ada' } });
 * const view = await runs.get(scope, run.id);
 * ```
 */
export class RunService {
  readonly #d: RunServiceDeps;

  constructor(deps: RunServiceDeps) {
    this.#d = deps;
  }

  /**
   * Validates the input and, in one transaction, records the run and enqueues its workflow.
   * With an idempotency key, a repeat of the same request returns the first run
   * (`created: false`) and a different request under the same key is a conflict. A chosen `id`
   * that any run already has is a conflict (`run_id_taken`). With `wait`, resolves when the run
   * has ended, with its output (see {@link RunService.result}); a run that failed or was
   * cancelled throws `RunEndedError` (`run_failed`), one still going at the timeout throws
   * `run_wait_timeout`.
   */
  async start(scope: Scope, req: StartRunRequest): Promise<StartedRun> {
    const started = await this.#start(scope, req);
    if (req.wait === undefined || req.wait === false) return started;
    const timeoutMs = req.wait === true ? undefined : req.wait.timeoutMs;
    const { done, run } = await this.result(scope, started.run.id, { timeoutMs });
    if (!done) throw new WaymarkError('run_wait_timeout', `Run ${run.id} has not ended within ${timeoutMs ?? DEFAULT_WAIT_MS} ms (it is ${run.status}, phase ${run.phase}); read its result later`, { details: { runId: run.id } });
    if (run.status !== WorkflowStatus.Success) throw new RunEndedError(run);
    return { run, created: started.created, output: run.output };
  }

  async #start(scope: Scope, req: StartRunRequest): Promise<StartedRun> {
    const { tenantId } = scope;
    if (req.id !== undefined) checkChosenRunId(req.id);
    if (req.businessKey !== undefined) checkBusinessKey(req.businessKey);
    if (req.debounce !== undefined && (req.id !== undefined || req.idempotencyKey)) {
      // A folded start is no run of its own: the id would name nothing, and the key would answer
      // with a run it did not create (and be forgotten once that run is dispatched).
      throw new ValidationError(`debounce excludes a chosen id and an Idempotency-Key: a debounced start folds into the waiting run of its key`, undefined, 'invalid_queue_options');
    }
    const prepared = prepareRun(this.#d, {
      ...req, id: req.id ?? randomUUID(),
      queue: { priority: req.priority, partitionKey: req.partitionKey, deduplicationId: req.deduplicationId, debounce: req.debounce },
    });
    const key = prepared.idempotencyKey;
    if (key !== null) {
      const existing = await this.#d.db.read(scope, (q) => getRunByIdempotencyKey(q, tenantId, key));
      if (existing) return { run: this.#sameRequest(existing, prepared.requestHash), created: false };
    }
    // The run record and its enqueue (or its dispatch row) commit together, or neither does. A
    // run on the shared queue, neither debounced nor held, may start here at once (instant
    // dispatch); the others wait for their queue's limits.
    const { dispatch } = this.#d;
    const direct = prepared.queue.queueName === this.#d.queueName && !prepared.queue.debounce && !prepared.held;
    if (direct && dispatch?.reserve(prepared, this.#d.queueName)) prepared.directBy = dispatch.executorId;
    let outcome: boolean | string;
    try {
      outcome = await this.#d.db.tx(scope, async (q) => {
        const { debounce } = prepared.queue;
        if (debounce) {
          const folded = await foldDebounced(this.#d.dbos, q, scope, { workflow: prepared.def.name, debounce, stored: prepared.stored, requestHash: prepared.requestHash });
          if (folded !== undefined) {
            await appendRunEvent(q, { runId: folded, tenantId, kind: 'debounced', actor: scope.actor, data: { debounceKey: debounce.key, delayMs: debounce.delayMs } });
            return folded;
          }
        }
        await this.#checkLimits(q, tenantId);
        return insertPreparedRun(this.#d, q, scope, prepared);
      });
    } catch (e) {
      if (prepared.directBy !== undefined) dispatch?.unreserve(prepared);
      throw e;
    }
    if (prepared.directBy !== undefined) {
      if (outcome === true) await dispatch?.launch(prepared, scope);
      else dispatch?.unreserve(prepared);
    }
    if (typeof outcome === 'string') return { run: await this.get(scope, outcome), created: false, debounced: true };
    const created = outcome;
    if (!created) {
      // A concurrent request with the same key won the insert: answer as a repeat. Without a
      // key (or with one nobody used), the id was taken.
      const existing = key !== null ? await this.#d.db.read(scope, (q) => getRunByIdempotencyKey(q, tenantId, key)) : undefined;
      if (existing) return { run: this.#sameRequest(existing, prepared.requestHash), created: false };
      if (req.id !== undefined) throw runIdTaken(req.id);
      throw new ConflictError('idempotency_conflict', 'The run for this idempotency key could not be read back; retry the request');
    }
    const { id, def } = prepared;
    metrics.runsStarted.inc({ workflow: def.name });
    scope.log.info({ runId: id, tenantId, workflow: def.name, phase: 'queued' }, 'run queued');
    return { run: await this.get(scope, id), created: true };
  }

  /**
   * A run's result, waiting up to `timeoutMs` (default 30 s, at most 10 minutes) for it to end:
   * `done` with the ended run (its output, or its error), or not `done` with the run as it is
   * at the timeout. The wait costs no polling: it wakes on the notification its end commits with
   * (the live stream's), and looks again only every few seconds in case a notification was lost.
   */
  async result(scope: Scope, id: string, opts: WaitOptions & { signal?: AbortSignal | undefined } = {}): Promise<RunResult> {
    const timeoutMs = Math.min(Math.max(0, opts.timeoutMs ?? DEFAULT_WAIT_MS), MAX_WAIT_MS);
    const { listener } = this.#d;
    // Watching before the first read: an end that commits after it wakes the wait at once.
    const watch = listener?.watch(id);
    try {
      const deadline = Date.now() + timeoutMs;
      const stop = new AbortController();
      const abort = (): void => stop.abort();
      opts.signal?.addEventListener('abort', abort, { once: true });
      try {
        let status: string | null | undefined = (await this.#require(scope, id)).status;
        while (!ENDED.has(status ?? '') && Date.now() < deadline && !stop.signal.aborted) {
          const left = deadline - Date.now();
          const recheck = this.#d.resultRecheckMs ?? FALLBACK_LOOK_MS;
          if (watch) await watch.next(Math.min(left, recheck), stop.signal);
          else await new Promise((r) => setTimeout(r, Math.min(left, recheck)));
          status = await this.#d.db.read(scope, (q) => getRunStatus(q, scope.tenantId, id));
        }
        const run = await this.get(scope, id);
        return { done: ENDED.has(run.status), run };
      } finally {
        opts.signal?.removeEventListener('abort', abort);
      }
    } finally {
      watch?.close();
    }
  }

  async #checkLimits(q: Queryable, tenantId: string): Promise<void> {
    const { runsPerMinute = 0, runsInFlight = 0 } = this.#d.limits ?? {};
    if (runsPerMinute === 0 && runsInFlight === 0) return;
    const load = await tenantRunLoad(q, tenantId, { perMinute: runsPerMinute, inFlight: runsInFlight });
    if (load.windowFullForSeconds !== null) {
      const retryAfterSeconds = Math.max(1, Math.ceil(load.windowFullForSeconds));
      throw new WaymarkError('tenant_run_limit', `The tenant started ${runsPerMinute} runs in the last minute, its limit; retry in ${retryAfterSeconds} s`, {
        details: { retryAfterSeconds },
      });
    }
    if (load.inFlight !== null && load.inFlight >= runsInFlight) {
      throw new WaymarkError('tenant_runs_in_flight', `The tenant has ${runsInFlight} unfinished runs, its limit; start more when some have finished`);
    }
  }

  #sameRequest(existing: RunRow, requestHash: string): RunView {
    if (existing.request_hash !== requestHash) {
      throw new ConflictError(
        'idempotency_key_reused',
        'This Idempotency-Key was already used for a different request (other workflow or input); use a new key',
        { runId: existing.id },
      );
    }
    return toView(existing);
  }

  /** Reads a run; throws `run_not_found` (404). */
  async get(scope: Scope, id: string): Promise<RunView> {
    return toView(await this.#require(scope, id));
  }

  /** Lists runs newest first, with keyset pagination. */
  async list(
    scope: Scope,
    f: {
      status?: string | undefined; phase?: string | undefined; workflow?: string | undefined; idempotencyKey?: string | undefined;
      /** Only runs in this business state of their workflow's own. */
      state?: string | undefined;
      /** Only runs started with this business key: which runs touched `lead:123`. */
      businessKey?: string | undefined;
      /** Only children of this run. */
      parentRunId?: string | undefined;
      from?: Date | undefined; to?: Date | undefined; limit?: number | undefined; cursor?: string | undefined;
    } = {},
  ): Promise<RunPage> {
    const limit = f.limit ?? 20;
    const after = f.cursor ? decodeCursor(f.cursor) : undefined;
    const rows = await this.#d.db.read(scope, (q) =>
      listRuns(q, scope.tenantId, { status: f.status, phase: f.phase, state: f.state, workflow: f.workflow, idempotencyKey: f.idempotencyKey, businessKey: f.businessKey, parentRunId: f.parentRunId, from: f.from, to: f.to, limit, after }),
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { runs: page.map(toView), nextCursor: rows.length > limit && last ? encodeCursor(last.created_key, last.id) : null };
  }

  /** The run's steps and events in order. */
  async timeline(scope: Scope, id: string): Promise<TimelineEntry[]> {
    const history = await this.#d.db.read(scope, async (q) => {
      await this.#require(scope, id, q);
      return getRunHistory(q, scope.tenantId, id);
    });
    return history.map(toTimelineEntry);
  }

  /** The run's agent transcripts (every thread, or one), page by page in (thread, sequence) order. */
  async transcript(scope: Scope, id: string, f: TranscriptQuery = {}): Promise<TranscriptPage> {
    return this.#d.db.read(scope, async (q) => {
      await this.#require(scope, id, q);
      return readTranscriptPage(q, scope.tenantId, id, f);
    });
  }

  /**
   * Cancels a queued, executing or waiting (live or parked) run (DBOS stops it at its next step),
   * then its child runs that have not ended, theirs in turn (if this process dies half-way, the
   * housekeeping cascade, {@link RunService.cancelOrphanedChildren}, cancels the rest).
   */
  async cancel(scope: Scope, id: string): Promise<RunView> {
    return this.#cancel(scope, id, null);
  }

  async #cancel(scope: Scope, id: string, parentRunId: string | null): Promise<RunView> {
    const run = await this.#require(scope, id);
    if (!CANCELLABLE.has(run.status ?? '')) {
      throw new ConflictError('run_not_cancellable', `Run ${id} is ${run.status ?? 'unknown'} (phase ${run.phase}); only queued or executing runs can be cancelled`);
    }
    if (parentRunId !== null && !(await this.#d.db.tx(scope, (q) => claimChildCascade(q, id, CASCADE_CLAIM_STALE_MS)))) {
      throw new ConflictError('run_not_cancellable', `Run ${id} is being cancelled with its parent already`);
    }
    const openChildren = await this.#d.db.tx(scope, async (q) => {
      // First: a child's end locks its link, then this run's park lock (taken below).
      const open = await stopReleasingChildren(q, id);
      await appendRunEvent(q, { runId: id, tenantId: run.tenant_id, kind: 'cancel_requested', actor: scope.actor, data: parentRunId ? { withParent: parentRunId } : undefined });
      // A parked run has no execution to stop (DBOS already says CANCELLED): it is cancelled
      // here, and the cancel below stops it if a wake-up resumed it meanwhile.
      await cancelParked(q, id, scope.actor, 'cancelled');
      return open;
    });
    await this.#d.dbos.cancelWorkflow(id, { cancelChildren: true });
    metrics.interventions.inc({ action: 'run_cancelled' });
    scope.log.info({ runId: id, tenantId: run.tenant_id }, 'run cancelled');
    const after = await this.get(scope, id);
    // Only a run that really stopped is undone (a cancel that lost the race with completion is not).
    if (after.status === WorkflowStatus.Cancelled && (await this.#d.db.read(scope, (q) => compensableCalls(q, id))).length > 0) {
      await startCompensation(this.#d, scope, id, `cancelled by ${scope.actor}`);
    }
    for (const child of openChildren) {
      try {
        await this.#cancel(scope, child, id);
      } catch (e) {
        // It ended meanwhile.
        if (!(e instanceof ConflictError && e.code === 'run_not_cancellable')) throw e;
      }
    }
    return openChildren.length > 0 ? this.get(scope, id) : after;
  }

  /**
   * One pass of the cascade that ends children with their parent: each child run (not started
   * with `outliveParent`) that has not ended although its parent has (completed, failed — its
   * deadline included —, cancelled, rolled back) is cancelled, its compensation started, its own
   * children in turn. Housekeeping calls this on every pass of every worker, so a process that
   * dies half-way through a cascade leaves the rest to the next pass. Each child is claimed
   * first, so that an operator's cancel cascading through the same children at the same time
   * and this pass never both cancel one. Returns how many it cancelled.
   *
   * @example
   * ```ts
   * await runs.cancelOrphanedChildren(log);
   * ```
   */
  async cancelOrphanedChildren(log: Logger, limit = 100): Promise<number> {
    const orphans = await this.#d.db.read(SYSTEM_SCOPE, (q) => orphanedChildren(q, limit, CASCADE_CLAIM_STALE_MS));
    let cancelled = 0;
    const stopped = new Set<string>();
    for (const o of orphans) {
      const scope = createScope({ tenantId: o.tenant_id, actor: 'system', roles: [] }, log);
      // No sibling's end releases a held child of an ended parent any more.
      if (!stopped.has(o.parent_run_id)) {
        await this.#d.db.tx(scope, (q) => stopReleasingChildren(q, o.parent_run_id));
        stopped.add(o.parent_run_id);
      }
      try {
        await this.#cancel(scope, o.child_run_id, o.parent_run_id);
        cancelled++;
      } catch (e) {
        // It ended meanwhile (its end trigger records that in the same commit), or another
        // cascade has it. Anything else is left to a later pass: one child must not stop the
        // rest of housekeeping.
        if (!(e instanceof ConflictError && e.code === 'run_not_cancellable')) {
          scope.log.warn({ runId: o.child_run_id, parentRunId: o.parent_run_id, err: ensureError(e).message }, 'could not cancel a child of an ended parent; a later pass tries again');
        }
      }
    }
    return cancelled;
  }

  /**
   * The runs `id` started with `startChildren`, in the order they were started (the first 1000):
   * each with its workflow, status and phase, and whether the concurrency cap still holds it.
   */
  async children(scope: Scope, id: string): Promise<ChildView[]> {
    const rows = await this.#d.db.read(scope, async (q) => {
      await this.#require(scope, id, q);
      return listChildren(q, scope.tenantId, id, 1000);
    });
    return rows.map(toChildView);
  }

  /** Resumes a cancelled or failed run from its last checkpoint. */
  async resume(scope: Scope, id: string): Promise<RunView> {
    const run = await this.#require(scope, id);
    if (['compensating', 'rolled_back', 'compensation_failed'].includes(run.phase) || (await this.#d.db.read(scope, (q) => compensationStarted(q, id)))) {
      throw new ConflictError('run_compensated', `Run ${id} has been rolled back (phase ${run.phase}); resuming it would build on undone calls. Start a new run.`);
    }
    if (!RESUMABLE.has(run.status ?? '')) {
      throw new ConflictError('run_not_resumable', `Run ${id} is ${run.status ?? 'unknown'} (phase ${run.phase}); only cancelled or failed runs can be resumed`);
    }
    await this.#d.db.tx(scope, async (q) => {
      await appendRunEvent(q, { runId: id, tenantId: run.tenant_id, kind: 'resume_requested', actor: scope.actor });
      // A run cancelled while parked may park again.
      await clearParkTombstone(q, id);
    });
    await this.#d.dbos.resumeWorkflow(id, { queueName: run.queue_name ?? this.#d.queueName });
    metrics.interventions.inc({ action: 'run_resumed' });
    scope.log.info({ runId: id, tenantId: run.tenant_id }, 'run resumed');
    await this.#deliverMissedEvents(scope, id);
    return this.get(scope, id);
  }

  /**
   * Hands a resumed run the events that arrived for its reopened waits while it was cancelled,
   * as the webhook would have: the delivery and the message in one transaction.
   */
  async #deliverMissedEvents(scope: Scope, runId: string): Promise<void> {
    await this.#d.db.tx(scope, async (q) => {
      // The (tenant, type, key) locks first, in order, as a webhook takes them.
      for (const w of await openWaitKeys(q, scope.tenantId, runId)) await lockCorrelation(q, scope.tenantId, w.type, w.key);
      for (const m of await missedEvents(q, scope.tenantId, runId)) {
        await markDelivered(q, m.wait_id, m.source, m.event_id);
        const event: ReceivedEvent = { source: m.source, id: m.event_id, type: m.type, key: m.key, data: m.data, receivedAt: m.received_at.toISOString() };
        await resumeRunningPhase(q, runId, `webhook:${m.source}`, `received ${m.type} ${m.key}`, { waitId: m.wait_id });
        await this.#d.dbos.sendInTransaction(q, runId, event, eventTopic(m.wait_id), `event:${m.source}:${m.event_id}:${m.wait_id}`);
      }
    });
  }

  /**
   * Starts a new run that replays the first `fromStep` steps of `id` from their checkpoints
   * and executes the rest again, on `appVersion` (default: this process's) — the way to move
   * an in-flight run to a new deployment.
   */
  async fork(scope: Scope, id: string, fromStep: number, opts: { newRunId?: string | undefined; appVersion?: string | undefined } = {}): Promise<RunView> {
    const { newRunId, appVersion } = opts;
    const run = await this.#require(scope, id);
    await this.#d.db.read(scope, (q) => checkForkable(q, id, fromStep));
    const newId = newRunId ?? forkRunId(id, randomUUID());
    await this.#d.db.tx(scope, async (q) => {
      await appendRunEvent(q, {
        runId: id, tenantId: run.tenant_id, kind: 'fork_requested', actor: scope.actor,
        data: { fromStep, newRunId: newId, appVersion: appVersion ?? this.#d.appVersion },
      });
      // The fork acts with the authority of whoever made it, from its first step on.
      await recordRunStarter(q, { runId: newId, tenantId: run.tenant_id, keyId: scope.keyId, actor: scope.actor });
      // The fork starts in the business state the run was in at that step.
      await recordForkState(q, newId, await stateAtStep(q, id, fromStep));
    });
    // The new run's row is written by the status trigger in DBOS's own transaction.
    // On the original's queue and partition (a partitioned queue never runs a keyless workflow).
    const original = (await this.#d.db.read(scope, (q) => runQueues(q, [id]))).get(id);
    await this.#d.dbos.forkWorkflow(id, fromStep, {
      newWorkflowID: newId, applicationVersion: appVersion ?? this.#d.appVersion, queueName: run.queue_name ?? this.#d.queueName,
      queuePartitionKey: original?.dbosPartitionKey ?? run.tenant_id,
    });
    await this.#d.db.tx(scope, async (q) => {
      await applyRunStarter(q, newId);
      await copyRunQueue(q, id, newId);
    });
    metrics.interventions.inc({ action: 'run_forked' });
    scope.log.info({ runId: newId, forkedFrom: id, fromStep, tenantId: run.tenant_id, phase: 'queued' }, 'run forked');
    return this.get(scope, newId);
  }

  async #require(scope: Scope, id: string, q?: Queryable): Promise<RunRow> {
    const run = q ? await getRun(q, scope.tenantId, id) : await this.#d.db.read(scope, (tx) => getRun(tx, scope.tenantId, id));
    if (!run) throw new NotFoundError('run_not_found', `No run with id '${id}'`);
    return run;
  }
}

/**
 * Refuses, without changing anything, a fork of run `id` from `fromStep` that could not run on
 * its own: past the recorded steps (`invalid_from_step`), or between a wait and its answer
 * (`fork_inside_wait`). A fork and a dead-letter retry check it before they change anything.
 *
 * @example
 * ```ts
 * await db.read(scope, (q) => checkForkable(q, runId, 3));
 * ```
 */
export async function checkForkable(q: Queryable, id: string, fromStep: number): Promise<void> {
  const steps = await recordedSteps(q, id);
  if (!Number.isInteger(fromStep) || fromStep < 0 || fromStep > steps) {
    throw new ValidationError(`fromStep must be an integer from 0 to ${steps} (run ${id} has ${steps} recorded steps)`, { fromStep, steps }, 'invalid_from_step');
  }
  const stuck = forkBlockedByWait(await waitSteps(q, id), fromStep);
  if (stuck) {
    throw new ConflictError(
      'fork_inside_wait',
      `A fork of run ${id} from step ${fromStep} would wait for ever: the ${stuck.kind === 'approval' ? 'approval' : 'event wait'} opened at step ${stuck.stepId} was answered to run ${id}, not to a fork. Fork from step ${stuck.stepId} or earlier (the wait opens again), or from after its answer.`,
      { stepId: stuck.stepId, waitKind: stuck.kind, waitId: stuck.id },
    );
  }
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toView(r: RunRow): RunView {
  return {
    id: r.id,
    workflow: r.workflow,
    tenantId: r.tenant_id,
    status: r.status ?? 'UNKNOWN',
    phase: r.phase,
    state: r.state,
    parked: r.parked,
    input: r.input,
    output: r.status === WorkflowStatus.Success ? r.output : null,
    error: publicError(r.error),
    idempotencyKey: r.idempotency_key,
    businessKey: r.business_key,
    forkedFrom: r.forked_from,
    parentRunId: r.parent_run_id,
    appVersion: r.app_version,
    executorId: r.executor_id || null,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    startedAt: iso(r.started_at),
    completedAt: iso(r.completed_at),
    priority: r.priority ?? DEFAULT_PRIORITY,
    partitionKey: r.partition_key,
  };
}

function toChildView(r: ChildRow): ChildView {
  return {
    id: r.child_run_id, workflow: r.workflow, status: r.status ?? 'UNKNOWN', phase: r.phase, parked: r.parked, held: r.held,
    groupId: r.group_id, position: r.position, businessKey: r.business_key, createdAt: r.created_at.toISOString(), endedAt: iso(r.ended_at),
  };
}

function toTimelineEntry(h: HistoryRow): TimelineEntry {
  if (h.entry_type === 'tool_call') {
    return {
      type: 'tool_call', at: h.at.toISOString(), name: h.name, stepId: h.step_id ?? 0, startedAt: iso(h.started_at),
      endedAt: iso(h.ended_at), output: h.output, error: h.error === null ? null : publicError(h.error), data: h.data ?? {},
    };
  }
  if (h.entry_type === 'step') {
    return {
      type: 'step', at: h.at.toISOString(), name: h.name, stepId: h.step_id ?? 0,
      startedAt: iso(h.started_at), endedAt: iso(h.ended_at), output: h.output, error: publicError(h.error), childRunId: h.child_workflow_id,
    };
  }
  return {
    type: 'event', at: h.at.toISOString(), name: h.name, actor: h.actor ?? 'system',
    fromPhase: h.from_phase, toPhase: h.to_phase, reason: h.reason === null ? null : scrubMessage(h.reason), data: publicEventData(h.data),
  };
}


/** An event's data, with the error a failed tool call recorded in it made fit to serve. */
function publicEventData(data: Record<string, unknown> | null): Record<string, unknown> {
  if (!data) return {};
  return 'lastError' in data ? { ...data, lastError: publicError(data.lastError) } : data;
}
