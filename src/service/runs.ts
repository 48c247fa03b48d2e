/**
 * @module service/runs
 * Operations on runs shared by the HTTP API, the CLI and embedding applications: start (with
 * idempotency keys), read, list, timeline, cancel, resume and fork.
 */
import { randomUUID } from 'node:crypto';
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import type pg from 'pg';
import { canonicalHash } from '../canonical-json.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { WorkflowStatus } from '../phases.js';
import { forkRunId } from '../tools/tool-keys.js';
import { compensableCalls, compensationStarted } from '../store/compensation.js';
import { startCompensation } from '../tools/compensate-run.js';
import {
  appendRunEvent,
  getRun,
  getRunByIdempotencyKey,
  getRunHistory,
  insertRun,
  listRuns,
  type HistoryRow,
  type RunRow,
} from '../store/runs.js';
import type { WorkflowRegistry } from '../workflows.js';

/** The default tenant, until authentication assigns real ones. */
export const DEFAULT_TENANT = 'default';

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

/** Who asked for an operation, recorded in the audit trail. */
export interface Caller {
  tenantId?: string;
  actor: string;
}

/** Dependencies of {@link RunService}. */
export interface RunServiceDeps {
  pool: pg.Pool;
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
 * const { run, created } = await runtime.runs.start({ workflow: 'greet', input: { name: 'Ada' } }, { actor: 'app' });
 * const view = await runtime.runs.get(run.id);
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
    req: { workflow: string; input: unknown; idempotencyKey?: string | undefined },
    caller: Caller,
  ): Promise<{ run: RunView; created: boolean }> {
    const tenantId = caller.tenantId ?? DEFAULT_TENANT;
    const def = this.#d.registry.get(req.workflow);
    const input = def.parseInput(req.input);
    const requestHash = hashRequest(req.workflow, req.input);
    const key = req.idempotencyKey ?? null;
    if (key !== null) {
      const existing = await getRunByIdempotencyKey(this.#d.pool, tenantId, key);
      if (existing) return { run: this.#sameRequest(existing, requestHash), created: false };
    }
    const id = randomUUID();
    const client = await this.#d.pool.connect();
    let created = false;
    try {
      await client.query('BEGIN');
      created = await insertRun(client, {
        id, tenantId, workflow: def.name, input, idempotencyKey: key, requestHash, appVersion: this.#d.appVersion, createdBy: caller.actor,
        retryBudget: def.retryBudget ?? null,
        deadlineMs: def.deadlineMs ?? null,
        idleTimeoutMs: def.idleTimeoutMs ?? null,
        onTimeout: def.onTimeout ?? 'fail',
      });
      if (created) {
        await this.#d.dbos.enqueueInTransaction(
          client,
          { queueName: this.#d.queueName, workflowName: def.dbosName, workflowClassName: def.dbosClassName, workflowID: id, appVersion: this.#d.appVersion },
          input,
        );
      }
      await client.query(created ? 'COMMIT' : 'ROLLBACK');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
    if (!created) {
      // A concurrent request with the same key won the insert; answer as a repeat.
      const existing = key !== null ? await getRunByIdempotencyKey(this.#d.pool, tenantId, key) : undefined;
      if (!existing) throw new ConflictError('idempotency_conflict', 'The run for this idempotency key could not be read back; retry the request');
      return { run: this.#sameRequest(existing, requestHash), created: false };
    }
    return { run: await this.get(id, { actor: caller.actor, tenantId }), created: true };
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
  async get(id: string, caller?: Caller): Promise<RunView> {
    return toView(await this.#require(id, caller));
  }

  /** Lists runs newest first, with keyset pagination. */
  async list(
    q: { status?: string | undefined; phase?: string | undefined; workflow?: string | undefined; limit?: number | undefined; cursor?: string | undefined },
    caller?: Caller,
  ): Promise<RunPage> {
    const limit = q.limit ?? 20;
    const rows = await listRuns(this.#d.pool, caller?.tenantId ?? DEFAULT_TENANT, {
      status: q.status, phase: q.phase, workflow: q.workflow, limit, after: q.cursor ? decodeCursor(q.cursor) : undefined,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { runs: page.map(toView), nextCursor: rows.length > limit && last ? encodeCursor(last.created_key, last.id) : null };
  }

  /** The run's steps and events in order. */
  async timeline(id: string, caller?: Caller): Promise<TimelineEntry[]> {
    const run = await this.#require(id, caller);
    return (await getRunHistory(this.#d.pool, run.tenant_id, id)).map(toTimelineEntry);
  }

  /** Cancels a queued or executing run (DBOS stops it at its next step). */
  async cancel(id: string, caller: Caller): Promise<RunView> {
    const run = await this.#require(id, caller);
    if (!CANCELLABLE.has(run.status ?? '')) {
      throw new ConflictError('run_not_cancellable', `Run ${id} is ${run.status ?? 'unknown'} (phase ${run.phase}); only queued or executing runs can be cancelled`);
    }
    await appendRunEvent(this.#d.pool, { runId: id, tenantId: run.tenant_id, kind: 'cancel_requested', actor: caller.actor });
    await this.#d.dbos.cancelWorkflow(id, { cancelChildren: true });
    const after = await this.get(id, caller);
    // Only a run that really stopped is undone (a cancel that lost the race with completion is not).
    if (after.status === WorkflowStatus.Cancelled && (await compensableCalls(this.#d.pool, id)).length > 0) {
      await startCompensation(this.#d.pool, this.#d.dbos, this.#d.queueName, this.#d.appVersion, id, `cancelled by ${caller.actor}`);
    }
    return after;
  }

  /** Resumes a cancelled or failed run from its last checkpoint. */
  async resume(id: string, caller: Caller): Promise<RunView> {
    const run = await this.#require(id, caller);
    if (['compensating', 'rolled_back', 'compensation_failed'].includes(run.phase) || (await compensationStarted(this.#d.pool, id))) {
      throw new ConflictError('run_compensated', `Run ${id} has been rolled back (phase ${run.phase}); resuming it would build on undone calls. Start a new run.`);
    }
    if (!RESUMABLE.has(run.status ?? '')) {
      throw new ConflictError('run_not_resumable', `Run ${id} is ${run.status ?? 'unknown'} (phase ${run.phase}); only cancelled or failed runs can be resumed`);
    }
    await appendRunEvent(this.#d.pool, { runId: id, tenantId: run.tenant_id, kind: 'resume_requested', actor: caller.actor });
    await this.#d.dbos.resumeWorkflow(id, { queueName: this.#d.queueName });
    return this.get(id, caller);
  }

  /**
   * Starts a new run that replays the first `fromStep` steps of `id` from their checkpoints
   * and executes the rest again, on `appVersion` (default: this process's) — the way to move
   * an in-flight run to a new deployment.
   */
  async fork(id: string, fromStep: number, caller: Caller, newRunId?: string, appVersion?: string): Promise<RunView> {
    const run = await this.#require(id, caller);
    if (!Number.isInteger(fromStep) || fromStep < 0) {
      throw new ValidationError('fromStep must be a non-negative integer', { fromStep }, 'invalid_from_step');
    }
    const newId = newRunId ?? forkRunId(id, randomUUID());
    await appendRunEvent(this.#d.pool, {
      runId: id, tenantId: run.tenant_id, kind: 'fork_requested', actor: caller.actor,
      data: { fromStep, newRunId: newId, appVersion: appVersion ?? this.#d.appVersion },
    });
    // The new run's row is written by the status trigger in DBOS's own transaction.
    await this.#d.dbos.forkWorkflow(id, fromStep, { newWorkflowID: newId, applicationVersion: appVersion ?? this.#d.appVersion, queueName: this.#d.queueName });
    return this.get(newId, caller);
  }

  async #require(id: string, caller?: Caller): Promise<RunRow> {
    const run = await getRun(this.#d.pool, caller?.tenantId ?? DEFAULT_TENANT, id);
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

