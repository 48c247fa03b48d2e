/**
 * @module service/dead-letters
 * Runs that failed for good, and what a person can do about them: retry from the failing step
 * (a fork — earlier steps are replayed from their checkpoints, tool calls keep their keys) or
 * discard with a reason (kept for audit, never retried).
 */
import { randomUUID } from 'node:crypto';
import { forkRunId } from '../agent/tool-keys.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { publicError, scrubMessage, type PublicError } from '../public-error.js';
import type { Scope } from '../scope.js';
import { compensationStarted, lockRunRecovery } from '../store/compensation.js';
import { getDeadLetter, listDeadLetters, reopenDeadLetter, resolveDeadLetter, type DeadLetterRow } from '../store/dead-letters.js';
import type { Database } from '../store/gateway.js';
import { workflowExists } from '../store/runs.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { checkForkable, type RunService } from './runs.js';
import { metrics } from '../telemetry/metrics.js';

/** A dead letter as operators see it. */
export interface DeadLetterView {
  runId: string;
  workflow: string;
  cause: string;
  status: string;
  createdAt: string;
  error: PublicError | null;
  failingStep: { id: number; name: string; error: PublicError | null } | null;
  toolFailure: { tool?: string; key?: string; attempts?: number; lastError?: PublicError | null; cause?: string; reason?: string } | null;
  /** Where a retry starts by default. */
  retryFromStep: number;
  toolAttempts: number;
  recoveryAttempts: number;
  resolvedBy: string | null;
  resolvedAt: string | null;
  resolution: string | null;
  retryRunId: string | null;
}

/**
 * Dead-letter operations for the API and the CLI.
 *
 * @example
 * ```ts
 * const { deadLetters } = await service.list(scope, { status: 'open' });
 * await service.retry(scope, runId, {});
 * ```
 */
export class DeadLetterService {
  readonly #db: Database;
  readonly #runs: RunService;

  constructor(deps: { db: Database; runs: RunService }) {
    this.#db = deps.db;
    this.#runs = deps.runs;
  }

  async list(
    scope: Scope,
    f: { status?: string | undefined; workflow?: string | undefined; limit?: number | undefined; cursor?: string | undefined } = {},
  ): Promise<{ deadLetters: DeadLetterView[]; nextCursor: string | null }> {
    const limit = f.limit ?? 20;
    const after = f.cursor ? decodeCursor(f.cursor) : undefined;
    const rows = await this.#db.read(scope, (q) => listDeadLetters(q, scope.tenantId, { status: f.status, workflow: f.workflow, limit, after }));
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { deadLetters: page.map(toView), nextCursor: rows.length > limit && last ? encodeCursor(last.created_key, last.run_id) : null };
  }

  async get(scope: Scope, runId: string): Promise<DeadLetterView> {
    return toView(await this.#require(scope, runId));
  }

  /**
   * Retries an open dead letter as a fork from `fromStep` (default: the failing step). A retry
   * that was claimed but whose fork never started (a crash in between) is started again.
   */
  async retry(scope: Scope, runId: string, opts: { fromStep?: number | undefined; reason?: string | undefined } = {}): Promise<DeadLetterView> {
    const d = toView(await this.#require(scope, runId));
    const fromStep = opts.fromStep ?? d.retryFromStep;
    if (!Number.isInteger(fromStep) || fromStep < 0) throw new ValidationError('fromStep must be a non-negative integer', { fromStep }, 'invalid_from_step');
    const unstarted = d.status === 'retried' && d.retryRunId !== null && !(await this.#exists(scope, d.retryRunId));
    const newId = unstarted ? d.retryRunId! : forkRunId(runId, randomUUID());
    if (!unstarted) {
      await this.#db.tx(scope, async (tx) => {
        // Serialised with the start of the run's compensation: a run is either undone or retried.
        await lockRunRecovery(tx, runId);
        if (await compensationStarted(tx, runId)) {
          throw new ConflictError('run_compensated', `Run '${runId}' has been rolled back (its tool calls were compensated); start a new run instead of retrying it`);
        }
        if (!(await resolveDeadLetter(tx, scope.tenantId, runId, { status: 'retried', by: scope.actor, reason: opts.reason ?? null, retryRunId: newId, fromStep }))) {
          throw new ConflictError('dead_letter_not_open', `The dead letter of run '${runId}' is ${d.status}; only open dead letters can be retried`);
        }
        // A fork that could not run on its own is refused here, in the same transaction: the
        // dead letter stays open and its audit trail does not say it was retried.
        await checkForkable(tx, runId, fromStep);
      });
    }
    try {
      await this.#runs.fork(scope, runId, fromStep, { newRunId: newId });
    } catch (e) {
      if (!(await this.#exists(scope, newId))) await this.#db.tx(scope, (q) => reopenDeadLetter(q, runId));
      throw e;
    }
    metrics.interventions.inc({ action: 'dead_letter_retried' });
    scope.log.info({ runId, tenantId: scope.tenantId, retryRunId: newId, fromStep }, 'dead letter retried');
    return this.get(scope, runId);
  }

  #exists(scope: Scope, runId: string): Promise<boolean> {
    return this.#db.read(scope, (q) => workflowExists(q, runId));
  }

  /** Discards an open dead letter: kept for audit, never retried. */
  async discard(scope: Scope, runId: string, reason: string): Promise<DeadLetterView> {
    const d = await this.#require(scope, runId);
    if (!(await this.#db.tx(scope, (q) => resolveDeadLetter(q, scope.tenantId, runId, { status: 'discarded', by: scope.actor, reason })))) {
      throw new ConflictError('dead_letter_not_open', `The dead letter of run '${runId}' is ${d.status}; only open dead letters can be discarded`);
    }
    metrics.interventions.inc({ action: 'dead_letter_discarded' });
    scope.log.info({ runId, tenantId: scope.tenantId }, 'dead letter discarded');
    return this.get(scope, runId);
  }

  async #require(scope: Scope, runId: string): Promise<DeadLetterRow> {
    const row = await this.#db.read(scope, (q) => getDeadLetter(q, scope.tenantId, runId));
    if (!row) throw new NotFoundError('dead_letter_not_found', `Run '${runId}' has no dead letter`);
    return row;
  }
}

function toView(r: DeadLetterRow): DeadLetterView {
  const failing = r.failing_step;
  const retryFromStep = r.tool_call_site ?? (failing ? (failing.error !== null ? failing.function_id : failing.function_id + 1) : 0);
  return {
    runId: r.run_id, workflow: r.workflow, cause: r.cause, status: r.status, createdAt: r.created_at.toISOString(),
    error: publicError(r.error),
    failingStep: failing ? { id: failing.function_id, name: failing.function_name, error: publicError(failing.error) } : null,
    toolFailure: publicToolFailure(r.tool_failure), retryFromStep, toolAttempts: Number(r.tool_attempts), recoveryAttempts: Number(r.recovery_attempts ?? 0),
    resolvedBy: r.resolved_by, resolvedAt: r.resolved_at?.toISOString() ?? null, resolution: r.resolution, retryRunId: r.retry_run_id,
  };
}

/** The failed tool call, with its last error and reason fit to serve. */
function publicToolFailure(f: DeadLetterRow['tool_failure']): DeadLetterView['toolFailure'] {
  if (!f) return null;
  const { lastError, reason, ...rest } = f;
  return {
    ...rest,
    ...(lastError !== undefined ? { lastError: publicError(lastError) } : {}),
    ...(typeof reason === 'string' ? { reason: scrubMessage(reason) } : {}),
  };
}
