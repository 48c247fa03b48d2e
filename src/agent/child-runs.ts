/**
 * @module agent/child-runs
 * Fan-out and fan-in: a workflow starts runs of other (or the same) workflows as its children,
 * at most `concurrency` of them in progress at once, and waits for all, any, or the first k of
 * them without holding a worker: its wait parks like any other (`agent/durable-wait.ts`).
 *
 * Each child is a full run (its own phase, audit trail, ledger, listed with the others) with an
 * id derived from the parent, the step and its position, so a parent re-executed after a crash
 * finds the children its step already started. Children beyond the cap are enqueued held; the
 * database releases the next one, and wakes the parent, in the transaction of each child's end
 * (migration 021).
 */
import { createHash } from 'node:crypto';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { WaymarkError } from '../errors.js';
import { WorkflowStatus } from '../phases.js';
import { publicError, type PublicError } from '../public-error.js';
import { currentRuntime } from '../runtime/process-runtime.js';
import type { Scope } from '../scope.js';
import { childParent, childStates, insertChildLink, type ChildRow } from '../store/child-runs.js';
import { appendRunEvent } from '../store/runs.js';
import { metrics } from '../telemetry/metrics.js';
import { waitOn } from './durable-wait.js';
import { runContext, type RunContext } from './run-context.js';
import { Waymark } from './workflows.js';

/** The DBOS topic on which a parent hears that one of its children ended (sent by migration 021's trigger). */
export const CHILDREN_TOPIC = 'waymark.children';

/** What `RunService.start` accepts as a business key. */
const BUSINESS_KEY = /^[\x21-\x7e]{1,255}$/;

/** The most children one call may start. */
export const MAX_CHILDREN = 1000;

/**
 * A child run started by {@link startChildren}: pass it to {@link waitForChildren}. Plain data,
 * so it can be returned from steps and kept across waits.
 */
export interface ChildHandle<O = unknown> {
  /** The child's run id (`child:<hash of parent and step>:<position>`). */
  readonly runId: string;
  /** The child's workflow name. */
  readonly workflow: string;
  /** Its index in the inputs of the call that started it. */
  readonly position: number;
  /** Never set: carries the child's output type to {@link waitForChildren}. */
  readonly outputType?: O;
}

/**
 * How a child ended, as its parent receives it: `succeeded` with its output (as stored: JSON),
 * `failed` with its error (a child given up after too many recoveries: code
 * `max_recovery_attempts`), or `cancelled`.
 */
export type ChildOutcome<O = unknown> =
  | (ChildEnd & { status: 'succeeded'; output: O })
  | (ChildEnd & { status: 'failed'; error: PublicError })
  | (ChildEnd & { status: 'cancelled' });

/** What every {@link ChildOutcome} says: which child it is. */
export interface ChildEnd {
  /** The child's run id. */
  runId: string;
  /** Its workflow name. */
  workflow: string;
  /** Its index in the inputs of the call that started it. */
  position: number;
}

/** Options of {@link startChildren}. */
export interface StartChildrenOptions<I> {
  /**
   * At most this many of the call's children are in progress (started and not ended; a child
   * waiting for a person counts) at any time; the others wait, queued, and start one by one as
   * others end. Default: all at once.
   */
  concurrency?: number;
  /** Each child's business key (`company:acme`), or a function of its input and position. */
  businessKey?: string | ((input: I, position: number) => string);
  /**
   * Each child's partition key, for a child workflow declared partitioned (one run per customer
   * at a time): a string, or a function of its input and position. Required for those.
   */
  partitionKey?: string | ((input: I, position: number) => string);
  /** The children's priority: 0 (first) to 1000 (last); default 500. */
  priority?: number;
  /**
   * Let the children go on after this run ends. By default a child that has not ended when its
   * parent ends (completes, fails, is cancelled, or passes its deadline) is cancelled, and its
   * compensation runs: a parent that took the first answer does not pay for the rest.
   */
  outliveParent?: boolean;
}

/** What {@link waitForChildren} waits for. */
export type FanIn = 'all' | 'any' | { first: number };

/** Options of {@link waitForChildren}. */
export interface WaitForChildrenOptions {
  /**
   * `all` (default): every child has ended; the outcomes in the order of the handles. `any`: the
   * first child to end. `{ first: k }`: the first k to end, in the order they ended. Ended means
   * succeeded, failed (a dead-lettered child too) or cancelled.
   */
  mode?: FanIn;
}

/**
 * Starts one child run per input of workflow `workflow` (a declared workflow registered with
 * this Waymark), at most `concurrency` at a time, and returns their handles. One step: after a
 * crash the same children are found, never started twice. Each child is a run of the parent's
 * tenant, acting with the authority of the key that started the parent; its audit trail opens
 * with `started_by_parent`, the parent's records `child_started`. When the parent ends — it
 * completes, fails, passes its deadline or is cancelled — the children that have not ended are
 * cancelled (and their compensation runs), unless `outliveParent` is set.
 *
 * @example
 * ```ts
 * const handles = await startChildren(ResearchCompany.run, companies.map((name) => ({ name })), { concurrency: 3 });
 * const outcomes = await waitForChildren(handles);
 * const found = outcomes.flatMap((o) => (o.status === 'succeeded' ? [o.output] : []));
 * ```
 */
export async function startChildren<I, O>(
  workflow: (input: I) => Promise<O>,
  inputs: readonly I[],
  opts: StartChildrenOptions<I> = {},
): Promise<ChildHandle<Awaited<O>>[]> {
  const ctx = await runContext('startChildren');
  const def = Waymark.definitionOf(workflow);
  if (inputs.length === 0 || inputs.length > MAX_CHILDREN) {
    throw new WaymarkError('invalid_child_runs', `startChildren takes 1 to ${MAX_CHILDREN} inputs (got ${inputs.length})`);
  }
  const concurrency = opts.concurrency ?? inputs.length;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new WaymarkError('invalid_child_runs', `startChildren: concurrency must be a positive integer (got ${String(opts.concurrency)})`);
  }
  // Checked before the step: a bad input or key is the caller's mistake, not a step to record.
  for (const input of inputs) def.parseInput(input);
  const keys = inputs.map((input, i) => {
    const key = opts.businessKey === undefined ? null : typeof opts.businessKey === 'string' ? opts.businessKey : opts.businessKey(input, i);
    if (key !== null && !BUSINESS_KEY.test(key)) throw new WaymarkError('invalid_child_runs', `startChildren: business key '${key.slice(0, 60)}' is not 1-255 printable ASCII characters without spaces`);
    return key;
  });
  const queues = inputs.map((input, i) => {
    const partitionKey = opts.partitionKey === undefined ? undefined : typeof opts.partitionKey === 'string' ? opts.partitionKey : opts.partitionKey(input, i);
    return { partitionKey, priority: opts.priority };
  });
  const outliveParent = opts.outliveParent === true;
  const ids = await DBOS.runStep(
    async () => {
      const groupId = `${ctx.runId}:${DBOS.stepID ?? 0}`;
      const base = createHash('sha256').update(groupId).digest('hex').slice(0, 24);
      const childIds = inputs.map((_, i) => `child:${base}:${i}`);
      let created = 0;
      await ctx.db.tx(ctx.scope, async (q) => {
        created = 0;
        for (const [i, input] of inputs.entries()) {
          const id = childIds[i]!;
          const held = i >= concurrency;
          const origin = { kind: 'started_by_parent', data: { parentRunId: ctx.runId, groupId, position: i, held } };
          const started = await startRun(ctx)(q, childScope(ctx), {
            id, workflow: def.name, input, businessKey: keys[i] ?? null, parentRunId: ctx.runId, held, origin, queue: queues[i],
          });
          if (!started) {
            // All of a call's children commit together: this attempt of the step follows one whose
            // transaction committed before its checkpoint could.
            if ((await childParent(q, id)) === ctx.runId) continue;
            throw new WaymarkError('run_id_taken', `Child run id '${id}' is taken by a run that is not a child of run ${ctx.runId}`);
          }
          created++;
          await insertChildLink(q, { childRunId: id, parentRunId: ctx.runId, tenantId: ctx.scope.tenantId, groupId, position: i, concurrency, held, outliveParent });
          await appendRunEvent(q, {
            runId: ctx.runId, tenantId: ctx.scope.tenantId, kind: 'child_started', actor: 'workflow',
            data: { childRunId: id, workflow: def.name, position: i, held },
          });
        }
      });
      if (created > 0) metrics.runsStarted.inc({ workflow: def.name }, created);
      return childIds;
    },
    { name: 'waymark.children.start' },
  );
  ctx.log.info({ children: ids.length, workflow: def.name, concurrency }, 'run started children');
  return ids.map((runId, position) => ({ runId, workflow: def.name, position }));
}

/**
 * Starts one child run; see {@link startChildren}.
 *
 * @example
 * ```ts
 * const child = await startChild(Summarize.run, { text });
 * const [outcome] = await waitForChildren([child]);
 * ```
 */
export async function startChild<I, O>(workflow: (input: I) => Promise<O>, input: I, opts: { businessKey?: string } = {}): Promise<ChildHandle<Awaited<O>>> {
  const [handle] = await startChildren(workflow, [input], opts);
  return handle!;
}

/**
 * Waits until the children of `handles` (started by this run) have ended as `mode` asks, and
 * returns their outcomes: a failed child is an outcome to handle, not an exception. The wait
 * holds no worker: after the hot window the run parks, and each child's end wakes it (in the
 * transaction that records that end). Appends `children_joined` to the run's audit trail.
 *
 * @example
 * ```ts
 * const [fastest] = await waitForChildren(quotes, { mode: 'any' });
 * const firstThree = await waitForChildren(quotes, { mode: { first: 3 } });
 * const failed = (await waitForChildren(quotes)).filter((o) => o.status !== 'succeeded');
 * ```
 */
export async function waitForChildren<O>(handles: readonly ChildHandle<O>[], opts: WaitForChildrenOptions = {}): Promise<ChildOutcome<O>[]> {
  const ctx = await runContext('waitForChildren');
  const mode = opts.mode ?? 'all';
  const ids = [...new Set(handles.map((h) => h.runId))];
  if (ids.length !== handles.length || ids.length === 0) {
    throw new WaymarkError('invalid_child_runs', 'waitForChildren takes one or more handles, each once');
  }
  const need = mode === 'all' ? ids.length : mode === 'any' ? 1 : mode.first;
  if (!Number.isInteger(need) || need < 1 || need > ids.length) {
    throw new WaymarkError('invalid_child_runs', `waitForChildren: first must be an integer from 1 to ${ids.length} (got ${String(need)})`);
  }
  const modeName = typeof mode === 'string' ? mode : `first ${mode.first}`;
  for (;;) {
    const joined = await DBOS.runStep(
      () => ctx.db.tx(ctx.scope, async (q) => {
        const rows = await childStates(q, ctx.runId, ids);
        if (rows.length !== ids.length) {
          throw new WaymarkError('invalid_child_runs', `waitForChildren: ${ids.length - rows.length} of the handles are not children of run ${ctx.runId}`);
        }
        const ended = rows.filter(hasEnded).sort(byEnd);
        if (ended.length < need) return null;
        const order = new Map(ids.map((id, i) => [id, i]));
        const picked = mode === 'all' ? rows.sort((a, b) => order.get(a.child_run_id)! - order.get(b.child_run_id)!) : ended.slice(0, need);
        await appendRunEvent(q, {
          runId: ctx.runId, tenantId: ctx.scope.tenantId, kind: 'children_joined', actor: 'workflow',
          data: { mode: modeName, children: picked.map((r) => ({ runId: r.child_run_id, status: r.status })) },
        });
        return picked.map((r) => toOutcome<O>(r));
      }),
      { name: 'waymark.children.join' },
    );
    if (joined) return joined;
    // Every child's end sends a message on this topic; one that came before the check above
    // only makes the next check come sooner.
    await waitOn<unknown>(ctx, CHILDREN_TOPIC, undefined);
  }
}

/**
 * Waits for one child and returns its outcome; see {@link waitForChildren}.
 *
 * @example
 * ```ts
 * const outcome = await waitForChild(await startChild(Summarize.run, { text }));
 * if (outcome.status === 'succeeded') return outcome.output;
 * ```
 */
export async function waitForChild<O>(handle: ChildHandle<O>): Promise<ChildOutcome<O>> {
  const [outcome] = await waitForChildren([handle]);
  return outcome!;
}

const ENDED = new Set<string>([WorkflowStatus.Success, WorkflowStatus.Error, WorkflowStatus.Cancelled, WorkflowStatus.MaxRecoveryAttemptsExceeded]);

function hasEnded(r: ChildRow): boolean {
  return ENDED.has(r.status ?? '');
}

/** In the order they ended (the database's record of it), then by position. */
function byEnd(a: ChildRow, b: ChildRow): number {
  const at = (r: ChildRow): number => (r.ended_at ? new Date(r.ended_at).getTime() : Number.MAX_SAFE_INTEGER);
  return at(a) - at(b) || a.position - b.position;
}

function toOutcome<O>(r: ChildRow): ChildOutcome<O> {
  const end: ChildEnd = { runId: r.child_run_id, workflow: r.workflow, position: r.position };
  if (r.status === WorkflowStatus.Success) return { ...end, status: 'succeeded', output: r.output as O };
  if (r.status === WorkflowStatus.Cancelled) return { ...end, status: 'cancelled' };
  const error = publicError(r.error) ?? (r.status === WorkflowStatus.MaxRecoveryAttemptsExceeded
    ? { name: 'WaymarkError', code: 'max_recovery_attempts', message: 'The child run was given up after too many recoveries (dead-lettered)' }
    : { name: 'Error', message: 'The child run failed' });
  return { ...end, status: 'failed', error };
}

function startRun(ctx: RunContext): NonNullable<ReturnType<typeof currentRuntime>['startRun']> {
  const start = currentRuntime().startRun;
  if (!start) throw new WaymarkError('not_started', `startChildren needs Waymark's run start in this process (start the worker with startWaymark); run ${ctx.runId} cannot start children`);
  return start;
}

/** Who starts the children: the parent run, with the authority of the key that started it. */
function childScope(ctx: RunContext): Scope {
  return { tenantId: ctx.scope.tenantId, actor: `run:${ctx.runId}`, roles: [], keyId: ctx.startedByKey, requestId: ctx.runId, log: ctx.log };
}
