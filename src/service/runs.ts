/**
 * @module service/runs
 * Operations on runs shared by the HTTP API, the CLI and embedding applications: start (with
 * idempotency keys), read, list, timeline, cancel, resume and fork.
 */
import { randomUUID } from 'node:crypto';
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import { forkRunId } from '../agent/tool-keys.js';
import type { WorkflowRegistry } from '../agent/workflows.js';
import { canonicalHash } from '../canonical-json.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { WorkflowStatus } from '../phases.js';
import type { Scope } from '../scope.js';
import { compensableCalls, compensationStarted } from '../store/compensation.js';
import { eventTopic, type ReceivedEvent } from '../agent/wait-for-event.js';
import { lockCorrelation, markDelivered, missedEvents, openWaitKeys } from '../store/events.js';
import type { Database, Queryable } from '../store/gateway.js';
import {
  appendRunEvent,
  getRun,
  getRunByIdempotencyKey,
  getRunHistory,
  insertRun,
  listRuns,
  recordedSteps,
  waitSteps,
  type HistoryRow,
  type RunRow,
} from '../store/runs.js';
import { startCompensation } from './compensation.js';
import { forkBlockedByWait } from './fork-rules.js';
import { decodeCursor, encodeCursor } from './cursor.js';

/** A run as clients see it. */
export interface RunView {
  id: string;
  workflow: string;
  tenantId: string;
  /** DBOS execution status (ENQUEUED, PENDING, SUCCESS, ERROR, CANCELLED, ...). */
  status: string;
  /** Waymark business phase. */
  phase: string;
  input: unknown;
  output: unknown;
  error: { name: string; message: string } | null;
  idempotencyKey: string | null;
  forkedFrom: string | null;
  appVersion: string | null;
  executorId: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
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
  error?: { name: string; message: string } | null;
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

/** Dependencies of {@link RunService}. */
export interface RunServiceDeps {
  db: Database;
  dbos: DBOSClient;
  registry: WorkflowRegistry;
  queueName: string;
  appVersion: string;
}

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
   * (`created: false`) and a different request under the same key is a conflict.
   */
  async start(
    scope: Scope,
    req: { workflow: string; input: unknown; idempotencyKey?: string | undefined },
  ): Promise<{ run: RunView; created: boolean }> {
    const { tenantId } = scope;
    const def = this.#d.registry.get(req.workflow);
    const input = def.parseInput(req.input);
    const requestHash = hashRequest(req.workflow, req.input);
    const key = req.idempotencyKey ?? null;
    if (key !== null) {
      const existing = await this.#d.db.read(scope, (q) => getRunByIdempotencyKey(q, tenantId, key));
      if (existing) return { run: this.#sameRequest(existing, requestHash), created: false };
    }
    const id = randomUUID();
    // The run record and its enqueue commit together, or neither does.
    const created = await this.#d.db.tx(scope, async (q) => {
      const inserted = await insertRun(q, {
        id, tenantId, workflow: def.name, input, idempotencyKey: key, requestHash, appVersion: this.#d.appVersion, createdBy: scope.actor,
        retryBudget: def.retryBudget ?? null,
        deadlineMs: def.deadlineMs ?? null,
        idleTimeoutMs: def.idleTimeoutMs ?? null,
        onTimeout: def.onTimeout,
      });
      if (inserted) {
        await this.#d.dbos.enqueueInTransaction(
          q,
          { queueName: this.#d.queueName, workflowName: def.dbosName, workflowClassName: def.dbosClassName, workflowID: id, appVersion: this.#d.appVersion },
          input,
        );
      }
      return inserted;
    });
    if (!created) {
      // A concurrent request with the same key won the insert; answer as a repeat.
      const existing = key !== null ? await this.#d.db.read(scope, (q) => getRunByIdempotencyKey(q, tenantId, key)) : undefined;
      if (!existing) throw new ConflictError('idempotency_conflict', 'The run for this idempotency key could not be read back; retry the request');
      return { run: this.#sameRequest(existing, requestHash), created: false };
    }
    scope.log.debug({ runId: id, workflow: def.name }, 'run started');
    return { run: await this.get(scope, id), created: true };
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
    f: { status?: string | undefined; phase?: string | undefined; workflow?: string | undefined; limit?: number | undefined; cursor?: string | undefined } = {},
  ): Promise<RunPage> {
    const limit = f.limit ?? 20;
    const after = f.cursor ? decodeCursor(f.cursor) : undefined;
    const rows = await this.#d.db.read(scope, (q) =>
      listRuns(q, scope.tenantId, { status: f.status, phase: f.phase, workflow: f.workflow, limit, after }),
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

  /** Cancels a queued or executing run (DBOS stops it at its next step). */
  async cancel(scope: Scope, id: string): Promise<RunView> {
    const run = await this.#require(scope, id);
    if (!CANCELLABLE.has(run.status ?? '')) {
      throw new ConflictError('run_not_cancellable', `Run ${id} is ${run.status ?? 'unknown'} (phase ${run.phase}); only queued or executing runs can be cancelled`);
    }
    await this.#d.db.tx(scope, (q) => appendRunEvent(q, { runId: id, tenantId: run.tenant_id, kind: 'cancel_requested', actor: scope.actor }));
    await this.#d.dbos.cancelWorkflow(id, { cancelChildren: true });
    const after = await this.get(scope, id);
    // Only a run that really stopped is undone (a cancel that lost the race with completion is not).
    if (after.status === WorkflowStatus.Cancelled && (await this.#d.db.read(scope, (q) => compensableCalls(q, id))).length > 0) {
      await startCompensation(this.#d, scope, id, `cancelled by ${scope.actor}`);
    }
    return after;
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
    await this.#d.db.tx(scope, (q) => appendRunEvent(q, { runId: id, tenantId: run.tenant_id, kind: 'resume_requested', actor: scope.actor }));
    await this.#d.dbos.resumeWorkflow(id, { queueName: this.#d.queueName });
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
    const [steps, waits] = await this.#d.db.read(scope, async (q) => [await recordedSteps(q, id), await waitSteps(q, id)] as const);
    if (!Number.isInteger(fromStep) || fromStep < 0 || fromStep > steps) {
      throw new ValidationError(`fromStep must be an integer from 0 to ${steps} (run ${id} has ${steps} recorded steps)`, { fromStep, steps }, 'invalid_from_step');
    }
    const stuck = forkBlockedByWait(waits, fromStep);
    if (stuck) {
      throw new ConflictError(
        'fork_inside_wait',
        `A fork of run ${id} from step ${fromStep} would wait for ever: the ${stuck.kind === 'approval' ? 'approval' : 'event wait'} opened at step ${stuck.stepId} was answered to run ${id}, not to a fork. Fork from step ${stuck.stepId} or earlier (the wait opens again), or from after its answer.`,
        { stepId: stuck.stepId, waitKind: stuck.kind, waitId: stuck.id },
      );
    }
    const newId = newRunId ?? forkRunId(id, randomUUID());
    await this.#d.db.tx(scope, (q) =>
      appendRunEvent(q, {
        runId: id, tenantId: run.tenant_id, kind: 'fork_requested', actor: scope.actor,
        data: { fromStep, newRunId: newId, appVersion: appVersion ?? this.#d.appVersion },
      }),
    );
    // The new run's row is written by the status trigger in DBOS's own transaction.
    await this.#d.dbos.forkWorkflow(id, fromStep, { newWorkflowID: newId, applicationVersion: appVersion ?? this.#d.appVersion, queueName: this.#d.queueName });
    return this.get(scope, newId);
  }

  async #require(scope: Scope, id: string, q?: Queryable): Promise<RunRow> {
    const run = q ? await getRun(q, scope.tenantId, id) : await this.#d.db.read(scope, (tx) => getRun(tx, scope.tenantId, id));
    if (!run) throw new NotFoundError('run_not_found', `No run with id '${id}'`);
    return run;
  }
}

function hashRequest(workflow: string, input: unknown): string {
  return canonicalHash({ workflow, input });
}

/** Errors as clients see them: name and message only, never a stack. */
function publicError(e: unknown): { name: string; message: string } | null {
  if (e === null || e === undefined) return null;
  if (typeof e === 'object') {
    const o = e as { name?: unknown; message?: unknown };
    return { name: typeof o.name === 'string' ? o.name : 'Error', message: typeof o.message === 'string' ? o.message : JSON.stringify(e) };
  }
  return { name: 'Error', message: typeof e === 'string' ? e : JSON.stringify(e) };
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toView(r: RunRow): RunView {
  return {
    id: r.id,
    workflow: r.workflow,
    tenantId: r.tenant_id,
    status: r.status ?? 'UNKNOWN',
    phase: r.phase,
    input: r.input,
    output: r.status === WorkflowStatus.Success ? r.output : null,
    error: publicError(r.error),
    idempotencyKey: r.idempotency_key,
    forkedFrom: r.forked_from,
    appVersion: r.app_version,
    executorId: r.executor_id || null,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    startedAt: iso(r.started_at),
    completedAt: iso(r.completed_at),
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
    fromPhase: h.from_phase, toPhase: h.to_phase, reason: h.reason, data: h.data ?? {},
  };
}

