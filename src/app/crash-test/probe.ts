/**
 * @module app/crash-test/probe
 * The crash-test worker's side: wraps DBOS's step registration (`@DBOS.step`,
 * `DBOS.registerStep`, `DBOS.runStep`) and the knex data source's transactions so that every
 * step of the run under test reports its points — before its body, after its body (the side
 * effect happened, the checkpoint is not written yet) and after its checkpoint — and installs
 * the probe that logs each point and SIGKILLs this process at the one it was told to. Only the
 * crash-test worker (`app/crash-test/worker.ts`) calls it, before the application's module is
 * loaded; a normal process never wraps anything.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync } from 'node:fs';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { crashProbe, installCrashProbe, type CrashPoint, type CrashPointCategory, type CrashPointKind } from '../../runtime/crash-probe.js';
import { db } from '../../runtime/knex-data-source.js';

/** What the harness tells a crash-test worker. */
export interface ProbePlan {
  /** The run under test; points of other workflows (housekeeping, compensation) are ignored. */
  runId: string;
  /** Kill this process at the point with this sequence number (0-based); null: never. */
  killAt: number | null;
  /** File every reached point is appended to, one JSON line each (written before a kill). */
  logFile: string;
}

/** One line of the probe's log. */
export interface ReachedPoint extends CrashPoint {
  pid: number;
  seq: number;
  /** This process killed itself here. */
  kill: boolean;
}

/** How long after reaching a durable wait the worker dies: long enough to be parked in `recv`. */
const WAIT_KILL_DELAY_MS = 300;

/** Step names Waymark's primitives give their own steps. */
const WAYMARK_STEP = /^(waymark\.|tool:|model:|budget:|agent:)/;

type AnyFn = (this: unknown, ...args: unknown[]) => Promise<unknown>;

/** One invocation of a step: whether its body ran (not replayed) and under which step id. */
interface Invocation {
  ran: boolean;
  stepId: number | undefined;
}
const invocation = new AsyncLocalStorage<Invocation>();

/**
 * Installs the probe and the step wrappers, and returns the setter of the plan (until it is set,
 * nothing is logged or killed). Call before the application's workflows are imported:
 * decorators register at import.
 *
 * @example
 * ```ts
 * const plan = instrumentCrashPoints();
 * await import(workflowsModule);
 * plan.set({ runId, killAt: 4, logFile: '/tmp/points.jsonl' });
 * ```
 */
export function instrumentCrashPoints(): { set(plan: ProbePlan): void } {
  let plan: ProbePlan | undefined;
  let seq = 0;
  installCrashProbe({
    reach(point) {
      if (!plan || DBOS.workflowID !== plan.runId) return;
      const line: ReachedPoint = { ...point, pid: process.pid, seq, kill: seq === plan.killAt };
      seq++;
      appendFileSync(plan.logFile, `${JSON.stringify(line)}\n`);
      if (!line.kill) return;
      // A wait is killed while parked in DBOS.recv; anything else exactly here.
      if (point.kind === 'wait') setTimeout(() => process.kill(process.pid, 'SIGKILL'), WAIT_KILL_DELAY_MS);
      else process.kill(process.pid, 'SIGKILL');
    },
  });
  wrapDbosSteps();
  wrapTransactions();
  return { set: (p) => (plan = p) };
}

function reach(kind: CrashPointKind, category: CrashPointCategory, name: string, stepId: number | undefined): void {
  crashProbe()?.reach({ kind, category, name, stepId });
}

/** Whether a call is a checkpointed step of a workflow (not a plain call, not nested in a step). */
const isStepCall = (): boolean => DBOS.isWithinWorkflow() && !DBOS.isInStep() && !DBOS.isInTransaction();

/** The body as DBOS will run it: reports `before` and, unless a transaction, `after-effect`. */
function wrapBody(name: string, category: CrashPointCategory, fn: AnyFn): AnyFn {
  const wrapped = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
    const inv = invocation.getStore();
    // Nested in another step's body, or a retry of this one: not a point of its own.
    if (!inv || inv.ran) return fn.apply(this, args);
    inv.ran = true;
    inv.stepId = DBOS.stepID;
    reach('before', category, name, inv.stepId);
    const result = await fn.apply(this, args);
    // A transaction's body ends before its commit; the data source reports after the commit.
    if (category !== 'transaction') reach('after-effect', category, name, inv.stepId);
    return result;
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped;
}

/** The invocation as the workflow calls it: reports `after-checkpoint` when the body ran. */
function wrapInvoke(name: string, category: CrashPointCategory, call: AnyFn): AnyFn {
  const wrapped = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
    if (!isStepCall()) return call.apply(this, args);
    const inv: Invocation = { ran: false, stepId: undefined };
    const result = await invocation.run(inv, () => call.apply(this, args));
    if (inv.ran) reach('after-checkpoint', category, name, inv.stepId);
    return result;
  };
  Object.defineProperty(wrapped, 'name', { value: call.name });
  return wrapped;
}

const stepCategory = (name: string): CrashPointCategory => (WAYMARK_STEP.test(name) ? 'waymark' : 'step');

function wrapDbosSteps(): void {
  const api = DBOS as unknown as {
    step: (config?: { name?: string }) => (target: object, key: string, d: PropertyDescriptor) => PropertyDescriptor;
    registerStep: (fn: AnyFn, config?: { name?: string }) => AnyFn;
    runStep: (fn: () => Promise<unknown>, config?: { name?: string }) => Promise<unknown>;
  };
  const step = api.step.bind(DBOS);
  api.step = (config = {}) => {
    const decorate = step(config);
    return (target, key, d) => {
      const name = config.name ?? key;
      d.value = wrapBody(name, stepCategory(name), d.value as AnyFn);
      const out = decorate(target, key, d);
      out.value = wrapInvoke(name, stepCategory(name), out.value as AnyFn);
      return out;
    };
  };
  const registerStep = api.registerStep.bind(DBOS);
  api.registerStep = (fn, config = {}) => {
    const name = config.name ?? fn.name;
    return wrapInvoke(name, stepCategory(name), registerStep(wrapBody(name, stepCategory(name), fn), { ...config, name }));
  };
  const runStep = api.runStep.bind(DBOS);
  api.runStep = (fn, config = {}) => {
    const name = config.name ?? fn.name;
    return wrapInvoke(name, stepCategory(name), () => runStep(wrapBody(name, stepCategory(name), fn), { ...config, name }))();
  };
}

function wrapTransactions(): void {
  const source = db as unknown as {
    registerTransaction: (fn: AnyFn, config?: { name?: string }) => AnyFn;
    runTransaction: (fn: () => Promise<unknown>, config?: { name?: string }) => Promise<unknown>;
  };
  const registerTransaction = source.registerTransaction.bind(db);
  source.registerTransaction = (fn, config = {}) => {
    const name = config.name ?? fn.name;
    return wrapInvoke(name, 'transaction', registerTransaction(wrapBody(name, 'transaction', fn), { ...config, name }));
  };
  const runTransaction = source.runTransaction.bind(db);
  source.runTransaction = (fn, config = {}) => {
    const name = config.name ?? (fn.name || 'transaction');
    return wrapInvoke(name, 'transaction', () => runTransaction(wrapBody(name, 'transaction', fn), { ...config, name }))();
  };
}
