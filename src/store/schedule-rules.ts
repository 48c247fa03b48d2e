/**
 * @module store/schedule-rules
 * Pure decisions about cron schedules, beside the SQL that applies them: is a cron expression
 * and time zone valid, when is the next tick, and which missed ticks to run under a catch-up
 * policy. Parsing is `cron-parser`'s; nothing here reads the database or the clock.
 */
import { CronExpressionParser } from 'cron-parser';
import { ValidationError } from '../errors.js';

/**
 * After downtime: `skip` runs only the latest missed tick; `all` runs every missed tick, the
 * latest `maxCatchUp` of them at most.
 */
export type CatchUpPolicy = 'skip' | 'all';

/** A schedule's timing. */
export interface CronSpec {
  /** Five fields (minute hour day-of-month month day-of-week) or a macro such as `@daily`. */
  cron: string;
  /** IANA time zone the expression is read in (default UTC). */
  timezone: string;
}

/**
 * Checks a cron expression and time zone; throws `invalid_schedule` (422) saying what is wrong.
 *
 * @example
 * ```ts
 * checkCron({ cron: '0 9 * * 1-5', timezone: 'Europe/Paris' });
 * ```
 */
export function checkCron(spec: CronSpec): void {
  const fields = spec.cron.trim().split(/\s+/);
  if (!spec.cron.trim().startsWith('@') && fields.length !== 5) {
    throw new ValidationError(`Cron expression '${spec.cron}' must have five fields (minute hour day-of-month month day-of-week)`, { cron: spec.cron }, 'invalid_schedule');
  }
  if (!isTimeZone(spec.timezone)) throw new ValidationError(`Time zone '${spec.timezone}' is not an IANA time zone (e.g. Europe/Paris)`, { timezone: spec.timezone }, 'invalid_schedule');
  try {
    CronExpressionParser.parse(spec.cron, { tz: spec.timezone, currentDate: new Date() }).next();
  } catch (e) {
    throw new ValidationError(`Cron expression '${spec.cron}' is invalid: ${(e as Error).message}`, { cron: spec.cron }, 'invalid_schedule');
  }
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * The first tick strictly after `after`.
 *
 * @example
 * ```ts
 * nextTick({ cron: '0 9 * * *', timezone: 'UTC' }, new Date('2026-01-05T09:00:00Z')); // 2026-01-06T09:00Z
 * ```
 */
export function nextTick(spec: CronSpec, after: Date): Date {
  return CronExpressionParser.parse(spec.cron, { tz: spec.timezone, currentDate: after }).next().toDate();
}

/** The ticks a due schedule runs now, and where it goes on. */
export interface DueTicks {
  /** Oldest first. */
  ticks: Date[];
  /** Missed ticks that the policy (or its cap) leaves out. */
  skipped: number;
  /** The schedule's next tick: the first after `now`. */
  next: Date;
}

/**
 * The ticks from `from` (the schedule's next tick, already due) up to `now` that a schedule
 * runs under its catch-up policy. Walks back from `now`, so a schedule missed for months costs
 * at most `maxCatchUp` steps plus one count of what is left out.
 *
 * @example
 * ```ts
 * dueTicks({ cron: '0 * * * *', timezone: 'UTC' }, from, now, 'skip', 100); // only the latest hour
 * ```
 */
export function dueTicks(spec: CronSpec, from: Date, now: Date, policy: CatchUpPolicy, maxCatchUp: number): DueTicks {
  const next = nextTick(spec, now);
  if (from.getTime() > now.getTime()) return { ticks: [], skipped: 0, next: from };
  const want = policy === 'skip' ? 1 : maxCatchUp;
  // prev() answers strictly before its start: start a millisecond after now to include now.
  const back = CronExpressionParser.parse(spec.cron, { tz: spec.timezone, currentDate: new Date(now.getTime() + 1) });
  const ticks: Date[] = [];
  let skipped = 0;
  for (;;) {
    const t = back.prev().toDate();
    if (t.getTime() < from.getTime()) break;
    if (ticks.length < want) ticks.push(t);
    else if (++skipped >= 10_000) break; // enough to say "many"; a counted walk must end
  }
  return { ticks: ticks.reverse(), skipped, next };
}
