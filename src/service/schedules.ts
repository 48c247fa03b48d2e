/**
 * @module service/schedules
 * Cron schedules per tenant: created, listed, paused, resumed and deleted over the API and the
 * CLI, or declared in code (written at start-up). Every worker's housekeeping calls
 * {@link fireDueSchedules}: each due tick starts its run exactly once, in the transaction that
 * moves the schedule on, however many workers tick at the same moment.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError, ensureError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../runtime/clock.js';
import { createScope, SYSTEM_SCOPE, type Scope } from '../scope.js';
import { insertAudit } from '../store/api-keys.js';
import type { Database } from '../store/gateway.js';
import { checkCron, dueTicks, nextTick, type CatchUpPolicy } from '../store/schedule-rules.js';
import {
  advanceSchedule,
  deleteSchedule,
  deleteUndeclaredSchedules,
  dueSchedules,
  getSchedule,
  insertSchedule,
  listSchedules,
  lockDueSchedule,
  setSchedulePaused,
  upsertDeclaredSchedule,
  type NewSchedule,
  type ScheduleRow,
} from '../store/schedules.js';
import { checkBusinessKey } from './runs.js';
import { insertPreparedRun, prepareRun, type RunStartDeps } from './run-start.js';
import { checkQueueControls } from './run-queue-controls.js';
import { scrubMessage } from '../public-error.js';

/** A schedule as clients see it. */
export interface ScheduleView {
  name: string;
  workflow: string;
  cron: string;
  timezone: string;
  input: unknown;
  businessKey: string | null;
  /** The partition key of every run it starts (for a workflow declared partitioned). */
  partitionKey: string | null;
  /** The priority of every run it starts (null: the default, 500). */
  priority: number | null;
  catchUp: CatchUpPolicy;
  maxCatchUp: number;
  /** Declared in code (a start-up rewrites its definition; pausing it sticks). */
  declared: boolean;
  /** The next tick that will start a run (while paused: the one it would have). */
  nextTickAt: string;
  lastTickAt: string | null;
  lastRunId: string | null;
  /** Why the last due tick started no run; null when it did. */
  lastError: string | null;
  paused: boolean;
  pausedAt: string | null;
  pausedBy: string | null;
  createdBy: string;
  createdAt: string;
}

/** A schedule to create (over the API, the CLI or in code). */
export interface ScheduleRequest {
  /** Unique in the tenant: lower-case words joined by `-`, `_` or `.`. */
  name: string;
  workflow: string;
  /** Five cron fields (minute hour day-of-month month day-of-week) or a macro such as `@daily`. */
  cron: string;
  /** IANA time zone the cron expression is read in. Default `UTC`. */
  timezone?: string | undefined;
  /** The input of every run it starts (validated against the workflow's schema now and at each tick). */
  input?: unknown;
  /** The business key of every run it starts. */
  businessKey?: string | undefined;
  /**
   * The partition key of every run it starts: required when the workflow is declared partitioned
   * (`queue.partitionConcurrency`), refused otherwise — checked when the schedule is made.
   */
  partitionKey?: string | undefined;
  /** The priority of every run it starts: 0 (first) to 1000 (last); default 500. */
  priority?: number | undefined;
  /** After downtime: `skip` (default) runs only the latest missed tick, `all` every missed tick up to `maxCatchUp`. */
  catchUp?: CatchUpPolicy | undefined;
  /** The most missed ticks `all` runs (the latest ones). Default 100, at most 1000. */
  maxCatchUp?: number | undefined;
}

/** A schedule declared in code, for a tenant (default `default`). */
export interface DeclaredScheduleSpec extends ScheduleRequest {
  tenantId?: string | undefined;
}

const NAME = /^[a-z0-9][a-z0-9]*(?:[-_.][a-z0-9]+)*$/;

/** Dependencies of {@link ScheduleService} and {@link fireDueSchedules}. */
export interface ScheduleDeps extends RunStartDeps {
  db: Database;
  clock: Clock;
  log: Logger;
}

/**
 * Schedule operations.
 *
 * @example
 * ```ts
 * await schedules.create(scope, { name: 'morning-leads', workflow: 'sales-agent', cron: '0 9 * * 1-5', timezone: 'Europe/Paris' });
 * await schedules.pause(scope, 'morning-leads');
 * ```
 */
export class ScheduleService {
  readonly #d: ScheduleDeps;

  constructor(deps: ScheduleDeps) {
    this.#d = deps;
  }

  /** Creates a schedule; its first tick is the first cron time after now. */
  async create(scope: Scope, req: ScheduleRequest): Promise<ScheduleView> {
    const row = this.#newRow(scope.tenantId, scope.actor, req);
    const inserted = await this.#d.db.tx(scope, async (q) => {
      const r = await insertSchedule(q, row);
      if (r) await this.#audit(q, scope, 'schedule.created', r.name, { workflow: r.workflow, cron: r.cron, timezone: r.timezone });
      return r;
    });
    if (!inserted) throw new ConflictError('schedule_name_taken', `The tenant has a schedule named '${req.name}' already; delete it or choose another name`);
    return toView(inserted);
  }

  /** The tenant's schedules, by name. */
  async list(scope: Scope): Promise<ScheduleView[]> {
    return (await this.#d.db.read(scope, (q) => listSchedules(q, scope.tenantId))).map(toView);
  }

  /** One schedule; throws `schedule_not_found` (404). */
  async get(scope: Scope, name: string): Promise<ScheduleView> {
    return toView(required(await this.#d.db.read(scope, (q) => getSchedule(q, scope.tenantId, name)), name));
  }

  /** Stops a schedule from starting runs until it is resumed (a declared one stays paused across restarts). */
  async pause(scope: Scope, name: string): Promise<ScheduleView> {
    const now = new Date(this.#d.clock.now());
    return this.#d.db.tx(scope, async (q) => {
      const row = required(await setSchedulePaused(q, scope.tenantId, name, { by: scope.actor, now }), name);
      await this.#audit(q, scope, 'schedule.paused', name, null);
      return toView(row);
    });
  }

  /** Lets a paused schedule tick again from the next cron time; the ticks it missed while paused are not run. */
  async resume(scope: Scope, name: string): Promise<ScheduleView> {
    const now = new Date(this.#d.clock.now());
    return this.#d.db.tx(scope, async (q) => {
      const current = required(await getSchedule(q, scope.tenantId, name), name);
      const nextTickAt = nextTick(current, now);
      const row = required(await setSchedulePaused(q, scope.tenantId, name, { by: null, now, nextTickAt }), name);
      await this.#audit(q, scope, 'schedule.resumed', name, { nextTickAt: nextTickAt.toISOString() });
      return toView(row);
    });
  }

  /**
   * Deletes a schedule; the runs it started stay. A schedule still declared in code comes back at
   * the next start-up: pause it instead, or remove it from the code (then the next start-up
   * deletes it by itself).
   */
  async delete(scope: Scope, name: string): Promise<void> {
    await this.#d.db.tx(scope, async (q) => {
      if (!(await deleteSchedule(q, scope.tenantId, name))) required(undefined, name);
      await this.#audit(q, scope, 'schedule.deleted', name, null);
    });
  }

  /**
   * Writes the schedules declared in code (at start-up; every process may, concurrently): new
   * ones are created, changed ones updated (a new cron or time zone restarts their ticks), and
   * their pause kept. A schedule declared earlier for a workflow this process registers, that
   * the code no longer declares, is deleted (its runs stay; audited as `schedule.undeclared`).
   * Returns the names left alone because a schedule made over the API has them, and those deleted.
   */
  async declare(specs: readonly DeclaredScheduleSpec[]): Promise<{ clashes: string[]; undeclared: string[] }> {
    const clashes: string[] = [];
    const keep: string[] = [];
    for (const spec of specs) {
      const tenantId = spec.tenantId ?? 'default';
      keep.push(`${tenantId}/${spec.name}`);
      const scope = createScope({ tenantId, actor: 'code', roles: [] }, this.#d.log);
      const applied = await this.#d.db.tx(scope, (q) => upsertDeclaredSchedule(q, this.#newRow(tenantId, 'code', spec)));
      if (!applied) clashes.push(`${tenantId}/${spec.name}`);
    }
    const workflows = this.#d.registry.list().map((w) => w.name);
    const undeclared = workflows.length === 0 ? [] : await this.#d.db.tx(SYSTEM_SCOPE, async (q) => {
      const gone = await deleteUndeclaredSchedules(q, workflows, keep);
      for (const g of gone) {
        await insertAudit(q, { tenantId: g.tenant_id, actor: 'code', keyId: null, action: 'schedule.undeclared', target: g.name, requestId: null, data: null });
      }
      return gone.map((g) => `${g.tenant_id}/${g.name}`);
    });
    return { clashes, undeclared };
  }

  #newRow(tenantId: string, createdBy: string, req: ScheduleRequest): NewSchedule {
    if (!NAME.test(req.name) || req.name.length > 100) {
      throw new ValidationError(`Schedule name '${req.name}' must be lower-case words joined by '-', '_' or '.' (at most 100 characters)`, undefined, 'invalid_schedule');
    }
    const timezone = req.timezone ?? 'UTC';
    checkCron({ cron: req.cron, timezone });
    const maxCatchUp = req.maxCatchUp ?? 100;
    if (!Number.isInteger(maxCatchUp) || maxCatchUp < 1 || maxCatchUp > 1000) {
      throw new ValidationError('maxCatchUp must be an integer from 1 to 1000', undefined, 'invalid_schedule');
    }
    if (req.businessKey !== undefined) checkBusinessKey(req.businessKey);
    // The input and the queue options must fit the workflow now, not first at 9 o'clock tomorrow.
    const def = this.#d.registry.get(req.workflow);
    def.parseInput(req.input ?? {});
    checkQueueControls(def, { partitionKey: req.partitionKey, priority: req.priority });
    const now = new Date(this.#d.clock.now());
    return {
      id: randomUUID(), tenantId, name: req.name, workflow: req.workflow, cron: req.cron, timezone, input: req.input ?? {},
      businessKey: req.businessKey ?? null, partitionKey: req.partitionKey ?? null, priority: req.priority ?? null, catchUp: req.catchUp ?? 'skip', maxCatchUp, nextTickAt: nextTick({ cron: req.cron, timezone }, now), createdBy, now,
    };
  }

  async #audit(q: Parameters<typeof insertAudit>[0], scope: Scope, action: string, target: string, data: Record<string, unknown> | null): Promise<void> {
    await insertAudit(q, { tenantId: scope.tenantId, actor: scope.actor, keyId: scope.keyId, action, target, requestId: scope.requestId, data });
  }
}

/** Due schedules handled per housekeeping tick; the rest wait for the next one. */
const SCHEDULES_PER_TICK = 100;

/**
 * The deterministic id of a schedule's run for one tick.
 *
 * @example
 * ```ts
 * scheduleRunId(id, new Date('2026-01-05T09:00:00Z')); // 'sched:<id>:2026-01-05T09:00:00.000Z'
 * ```
 */
export function scheduleRunId(scheduleId: string, tick: Date): string {
  return `sched:${scheduleId}:${tick.toISOString()}`;
}

/**
 * Starts the runs of every due schedule (for workflows this process knows): one indexed query
 * finds them, then each is handled in its own transaction under its tenant — locked (a schedule
 * another worker holds is skipped), the runs of its ticks inserted and enqueued with ids
 * `sched:<id>:<tick>`, and its next tick moved past now, all in one commit. A tick whose run
 * cannot start (its input no longer fits the workflow) is recorded in `last_error` and passed.
 * Returns how many runs were started.
 *
 * @example
 * ```ts
 * await fireDueSchedules({ db, dbos, registry, queueName, appVersion, keys, clock });
 * ```
 */
export async function fireDueSchedules(d: ScheduleDeps): Promise<number> {
  const now = new Date(d.clock.now());
  const workflows = d.registry.list().map((w) => w.name);
  if (workflows.length === 0) return 0;
  const due = await d.db.read(SYSTEM_SCOPE, (q) => dueSchedules(q, now, workflows, SCHEDULES_PER_TICK));
  let started = 0;
  for (const { id, tenant_id: tenantId } of due) {
    started += await d.db.tx({ tenantId }, async (q) => {
      const s = await lockDueSchedule(q, id, now);
      if (!s) return 0;
      const scope = createScope({ tenantId, actor: `schedule:${s.name}`, roles: [] }, d.log);
      const plan = dueTicks(s, s.next_tick_at, now, s.catch_up, s.max_catch_up);
      let n = 0;
      let lastRunId: string | null = null;
      let lastError: string | null = null;
      for (const tick of plan.ticks) {
        const runId = scheduleRunId(s.id, tick);
        try {
          const prepared = prepareRun(d, {
            id: runId, workflow: s.workflow, input: s.input, businessKey: s.business_key,
            queue: { partitionKey: s.partition_key ?? undefined, priority: s.priority ?? undefined },
          });
          const origin = { kind: 'started_by_schedule', data: { schedule: s.name, tick: tick.toISOString(), catchUp: s.catch_up, skippedTicks: plan.skipped } };
          if (await insertPreparedRun(d, q, scope, prepared, origin)) n++;
          lastRunId = runId;
          lastError = null;
        } catch (e) {
          // Only a run that cannot be prepared is passed over; a database failure rolls it all back.
          if (!(e instanceof ValidationError)) throw e;
          lastError = scrubMessage(ensureError(e).message);
        }
      }
      await advanceSchedule(q, s.id, { nextTickAt: plan.next, lastTickAt: plan.ticks.at(-1) ?? null, lastRunId, lastError, now });
      return n;
    });
  }
  return started;
}

function required(row: ScheduleRow | undefined, name: string): ScheduleRow {
  if (!row) throw new NotFoundError('schedule_not_found', `No schedule named '${name}'`);
  return row;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toView(r: ScheduleRow): ScheduleView {
  return {
    name: r.name, workflow: r.workflow, cron: r.cron, timezone: r.timezone, input: r.input, businessKey: r.business_key,
    partitionKey: r.partition_key, priority: r.priority,
    catchUp: r.catch_up, maxCatchUp: r.max_catch_up, declared: r.declared,
    nextTickAt: r.next_tick_at.toISOString(), lastTickAt: iso(r.last_tick_at), lastRunId: r.last_run_id, lastError: r.last_error,
    paused: r.paused_at !== null, pausedAt: iso(r.paused_at), pausedBy: r.paused_by,
    createdBy: r.created_by, createdAt: r.created_at.toISOString(),
  };
}
