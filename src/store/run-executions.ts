/**
 * @module store/run-executions
 * SQL for `waymark.run_executions`: each run's execution under way or last seen, and its crashes
 * in a row without progress (migration 025). The decisions are in `store/crash-rules.ts`.
 */
import { judgeExecutionStart, describeCrashSite, type CrashSite, type ExecutionState, type ExecutionStartVerdict } from './crash-rules.js';
import type { Queryable } from './gateway.js';

/** An execution starting. */
export interface ExecutionStart {
  runId: string;
  tenantId: string;
  processToken: string;
  executorId: string | null;
  pid: number;
  maxCrashes: number;
}

/** What {@link beginExecution} decided, with where the last crash happened when there was one. */
export interface BegunExecution extends ExecutionStartVerdict {
  /** The step the crashed execution died in, in words (when `crashed`). */
  site: string | null;
  /** The same, as data. */
  crashSite: CrashSite | null;
}

/**
 * Records an execution's start, counting the crash of the previous one (see
 * `judgeExecutionStart`); when the run is poisoned, also its `poison_run` event. Run it in one
 * transaction (it locks the run's row).
 *
 * @example
 * ```ts
 * const v = await beginExecution(tx, { runId, tenantId, processToken, executorId: 'host-0', pid: process.pid, maxCrashes: 5 });
 * if (v.poisoned) throw new WaymarkError('poison_run', `... ${v.site}`);
 * ```
 */
export async function beginExecution(db: Queryable, s: ExecutionStart): Promise<BegunExecution> {
  const { rows: prevRows } = await db.query<{ process_token: string; state: ExecutionState; checkpoint_at_start: number; crashes_without_progress: number; executor_id: string | null; pid: number | null }>(
    `SELECT process_token, state, checkpoint_at_start, crashes_without_progress, executor_id, pid
     FROM waymark.run_executions WHERE run_id = $1 FOR UPDATE`,
    [s.runId],
  );
  const prevRow = prevRows[0];
  const { rows: cp } = await db.query<{ function_id: number; function_name: string }>(
    'SELECT function_id, function_name FROM dbos.operation_outputs WHERE workflow_uuid = $1 ORDER BY function_id DESC LIMIT 1',
    [s.runId],
  );
  const checkpoint = cp[0]?.function_id ?? -1;
  const prev = prevRow && {
    processToken: prevRow.process_token, state: prevRow.state, checkpointAtStart: prevRow.checkpoint_at_start, crashesWithoutProgress: prevRow.crashes_without_progress,
  };
  const verdict = judgeExecutionStart(prev, s.processToken, checkpoint, s.maxCrashes);
  let crashSite: CrashSite | null = null;
  if (verdict.crashed) {
    const { rows: calls } = await db.query<{ tool: string }>(
      `SELECT tool FROM waymark.tool_calls WHERE owner_run_id = $1 AND status = 'started' ORDER BY updated_at DESC LIMIT 1`,
      [s.runId],
    );
    crashSite = { stepId: checkpoint + 1, after: cp[0]?.function_name ?? null, tool: calls[0]?.tool ?? null };
  }
  const site = crashSite && describeCrashSite(crashSite);
  const lastCrash = crashSite && { ...crashSite, site, executorId: prevRow?.executor_id ?? null, pid: prevRow?.pid ?? null, crashesWithoutProgress: verdict.crashesWithoutProgress };
  await db.query(
    `INSERT INTO waymark.run_executions AS x (run_id, tenant_id, process_token, executor_id, pid, checkpoint_at_start, state, crashes_without_progress, crashes, last_crash, poisoned_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::int, $10, CASE WHEN $11 THEN clock_timestamp() END)
     ON CONFLICT (run_id) DO UPDATE SET
       process_token = EXCLUDED.process_token, executor_id = EXCLUDED.executor_id, pid = EXCLUDED.pid, started_at = clock_timestamp(),
       checkpoint_at_start = EXCLUDED.checkpoint_at_start, state = EXCLUDED.state, crashes_without_progress = EXCLUDED.crashes_without_progress,
       crashes = x.crashes + $9::int, last_crash = coalesce(EXCLUDED.last_crash, x.last_crash),
       -- a run resumed after it was poisoned gets its one more try: its cause is its own again
       poisoned_at = EXCLUDED.poisoned_at, updated_at = clock_timestamp()`,
    [s.runId, s.tenantId, s.processToken, s.executorId, s.pid, checkpoint, verdict.poisoned ? 'ended' : 'executing', verdict.crashesWithoutProgress,
      verdict.crashed ? 1 : 0, lastCrash && JSON.stringify(lastCrash), verdict.poisoned],
  );
  if (verdict.poisoned) {
    await db.query(
      `INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, reason, data) VALUES ($1, $2, 'poison_run', 'waymark', $3, $4)`,
      [s.runId, s.tenantId, `crashed its worker ${verdict.crashesWithoutProgress} times in a row without progress, in ${site}`, JSON.stringify(lastCrash)],
    );
  }
  return { ...verdict, site, crashSite };
}

/**
 * Moves the execution of this process to `state` (`ended`, or in and out of a wait); an
 * execution already marked interrupted, or replaced by another process's, is left alone.
 *
 * @example
 * ```ts
 * await markExecution(tx, runId, processToken, 'ended');
 * ```
 */
export async function markExecution(db: Queryable, runId: string, processToken: string, state: Exclude<ExecutionState, 'interrupted'>): Promise<void> {
  await db.query(
    `UPDATE waymark.run_executions SET state = $3, updated_at = clock_timestamp()
     WHERE run_id = $1 AND process_token = $2 AND state IN ('executing', 'waiting')`,
    [runId, processToken, state],
  );
}

/**
 * Marks every execution of a process that stops gracefully as interrupted: the run's next
 * execution does not count it as a crash. Returns how many there were.
 *
 * @example
 * ```ts
 * await markInterrupted(tx, processToken);
 * ```
 */
export async function markInterrupted(db: Queryable, processToken: string): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE waymark.run_executions SET state = 'interrupted', updated_at = clock_timestamp()
     WHERE process_token = $1 AND state IN ('executing', 'waiting')`,
    [processToken],
  );
  return rowCount ?? 0;
}
