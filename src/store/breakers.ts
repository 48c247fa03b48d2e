/**
 * @module store/breakers
 * SQL for circuit breakers (migration 024): one row per breaker shared by every worker and
 * tenant, its transitions (`breaker_events`), and the calls waiting on it (`breaker_waits`, per
 * tenant). A call's admission and its outcome lock the breaker's row only when the breaker is
 * not closed or the outcome changes it, so a healthy tool costs one indexed read per call. The
 * decisions are `breaker-rules.ts`; times are the runtime clock's, passed in.
 */
import { scrubDeep } from '../redact.js';
import { DEFAULT_TENANT } from '../scope.js';
import { CLOSED, decideAdmission, decideOutcome, type Admission, type BreakerEventKind, type BreakerFacts, type BreakerLimits, type BreakerOutcome, type BreakerState } from './breaker-rules.js';
import type { Queryable } from './gateway.js';

const COLUMNS = `state, failures, first_failure_at, opened_at, reopen_count, next_probe_at, probe_key, probe_until, forced, escalate_at, escalated_at`;

interface DbRow {
  state: BreakerState;
  failures: number;
  first_failure_at: Date | null;
  opened_at: Date | null;
  reopen_count: number;
  next_probe_at: Date | null;
  probe_key: string | null;
  probe_until: Date | null;
  forced: boolean;
  escalate_at: Date | null;
  escalated_at: Date | null;
}

const ms = (d: Date | null): number | null => (d ? d.getTime() : null);
const date = (n: number | null): Date | null => (n === null ? null : new Date(n));

function toFacts(r: DbRow): BreakerFacts {
  return {
    state: r.state, failures: r.failures, firstFailureAt: ms(r.first_failure_at), openedAt: ms(r.opened_at), reopenCount: r.reopen_count,
    nextProbeAt: ms(r.next_probe_at), probeKey: r.probe_key, probeUntil: ms(r.probe_until), forced: r.forced,
    escalateAt: ms(r.escalate_at), escalatedAt: ms(r.escalated_at),
  };
}

async function readBreaker(q: Queryable, name: string, lock: boolean): Promise<BreakerFacts | undefined> {
  const { rows } = await q.query<DbRow>(`SELECT ${COLUMNS} FROM waymark.breakers WHERE name = $1${lock ? ' FOR UPDATE' : ''}`, [name]);
  return rows[0] && toFacts(rows[0]);
}

/** Writes a breaker's row (inserting it the first time). */
async function saveBreaker(q: Queryable, name: string, f: BreakerFacts, lastError?: unknown, now?: number): Promise<void> {
  await q.query(
    `INSERT INTO waymark.breakers (name, ${COLUMNS}, last_failure_at, last_error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (name) DO UPDATE SET state = $2, failures = $3, first_failure_at = $4, opened_at = $5, reopen_count = $6,
       next_probe_at = $7, probe_key = $8, probe_until = $9, forced = $10, escalate_at = $11, escalated_at = $12,
       last_failure_at = coalesce($13, waymark.breakers.last_failure_at), last_error = coalesce($14, waymark.breakers.last_error),
       updated_at = clock_timestamp()`,
    [
      name, f.state, f.failures, date(f.firstFailureAt), date(f.openedAt), f.reopenCount, date(f.nextProbeAt), f.probeKey, date(f.probeUntil),
      f.forced, date(f.escalateAt), date(f.escalatedAt), lastError === undefined ? null : date(now ?? null),
      lastError === undefined ? null : JSON.stringify(scrubDeep(lastError)),
    ],
  );
}

/** A transition to record. */
export interface NewBreakerEvent {
  breaker: string;
  kind: BreakerEventKind;
  from: BreakerState | null;
  to: BreakerState | null;
  actor: string;
  reason?: string | undefined;
  data?: Record<string, unknown>;
  at: number;
}

/**
 * Appends a breaker transition; returns its id.
 *
 * @example
 * ```ts
 * await appendBreakerEvent(q, { breaker: 'vendor', kind: 'reset', from: 'open', to: 'closed', actor: 'ops@acme', at: clock.now() });
 * ```
 */
export async function appendBreakerEvent(q: Queryable, e: NewBreakerEvent): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO waymark.breaker_events (breaker, kind, from_state, to_state, actor, reason, data, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text`,
    [e.breaker, e.kind, e.from, e.to, e.actor, e.reason ?? null, JSON.stringify(e.data ?? {}), new Date(e.at)],
  );
  return rows[0]!.id;
}

/** What admitting a call decided, and the transition it made (a probe claimed). */
export type AdmissionResult = Admission & { eventId?: string };

/**
 * Whether call `key` may go out through breaker `name` at clock time `now`: a closed (or
 * never failed) breaker is one read without a lock; otherwise (unless `answered` says the
 * ledger already holds the call's outcome) its row is locked, so exactly one caller across all
 * workers claims the half-open probe.
 *
 * @example
 * ```ts
 * const a = await admitCall(q, { name: 'vendor', key, now: clock.now(), probeMs: 35_000 });
 * ```
 */
export async function admitCall(
  q: Queryable,
  p: { name: string; key: string; now: number; probeMs: number; answered?: () => Promise<boolean> },
): Promise<AdmissionResult> {
  const seen = await readBreaker(q, p.name, false);
  if (!seen || seen.state === 'closed') return { verdict: 'pass' };
  // A call the ledger already answers does not go out: never held back, never the probe.
  if (await p.answered?.()) return { verdict: 'pass' };
  const row = await readBreaker(q, p.name, true);
  const a = decideAdmission(row, p.key, p.now, p.probeMs);
  if (a.verdict !== 'probe' || !a.claim || !row) return a;
  await saveBreaker(q, p.name, a.claim);
  const eventId = await appendBreakerEvent(q, {
    breaker: p.name, kind: 'half_open', from: row.state, to: 'half_open', actor: 'waymark', at: p.now,
    reason: a.takeover ? 'the previous probe did not report in time: another call probes' : 'the open time passed: one call probes the dependency',
  });
  return { ...a, eventId };
}

/** A transition an outcome made: the waiting calls are woken with it. */
export interface BreakerTransition {
  eventId: string;
  kind: BreakerEventKind;
  to: BreakerState;
}

/**
 * Counts an attempt's outcome on breaker `name` (see `decideOutcome`); returns the transition
 * it made, if any. A success of a closed breaker without failures writes nothing.
 *
 * @example
 * ```ts
 * const t = await recordBreakerOutcome(q, { name: 'vendor', key, now, outcome: 'transient', limits, error });
 * ```
 */
export async function recordBreakerOutcome(
  q: Queryable,
  p: { name: string; key: string; now: number; outcome: BreakerOutcome; limits: BreakerLimits; error?: unknown },
): Promise<BreakerTransition | undefined> {
  const seen = await readBreaker(q, p.name, false);
  if (p.outcome !== 'transient' && (!seen || (seen.state === 'closed' && seen.failures === 0))) return undefined;
  const row = (await readBreaker(q, p.name, true)) ?? CLOSED;
  const change = decideOutcome(row, p.key, p.now, p.outcome, p.limits);
  if (!change) return undefined;
  await saveBreaker(q, p.name, change.next, p.outcome === 'transient' ? (p.error ?? null) : undefined, p.now);
  if (!change.event) return undefined;
  const { kind, from, to } = change.event;
  const reason =
    kind === 'opened' ? `${change.next.failures} transient failures in a row: calls wait instead of spending attempts`
    : kind === 'reopened' ? 'the probe failed: calls wait again, for longer'
    : 'the probe succeeded: calls go through again';
  const eventId = await appendBreakerEvent(q, {
    breaker: p.name, kind, from, to, actor: 'waymark', at: p.now, reason,
    data: { failures: change.next.failures, ...(change.next.nextProbeAt !== null ? { nextProbeAt: new Date(change.next.nextProbeAt).toISOString() } : {}) },
  });
  return { eventId, kind, to };
}

/**
 * Records that call `key` of run `runId` waits on breaker `name` (once per call: a repeat keeps
 * the first `since`); returns since when it waits and whether this made the row.
 *
 * @example
 * ```ts
 * const { since, inserted } = await beginBreakerWait(q, { runId, key, breaker: 'vendor', tool: 'vendor.order', now });
 * ```
 */
export async function beginBreakerWait(q: Queryable, w: { runId: string; key: string; breaker: string; tool: string; now: number }): Promise<{ since: number; inserted: boolean }> {
  const ins = await q.query<{ since: Date }>(
    `INSERT INTO waymark.breaker_waits (tenant_id, run_id, key, breaker, tool, since)
     VALUES (current_setting('waymark.tenant_id'), $1, $2, $3, $4, $5) ON CONFLICT (run_id, key) DO NOTHING RETURNING since`,
    [w.runId, w.key, w.breaker, w.tool, new Date(w.now)],
  );
  if (ins.rows[0]) return { since: ins.rows[0].since.getTime(), inserted: true };
  const { rows } = await q.query<{ since: Date }>('SELECT since FROM waymark.breaker_waits WHERE run_id = $1 AND key = $2', [w.runId, w.key]);
  return { since: rows[0]?.since.getTime() ?? w.now, inserted: false };
}

/**
 * The call no longer waits; returns since when it had waited (undefined: it was not waiting).
 *
 * @example
 * ```ts
 * await endBreakerWait(q, runId, key);
 * ```
 */
export async function endBreakerWait(q: Queryable, runId: string, key: string): Promise<number | undefined> {
  const { rows } = await q.query<{ since: Date }>('DELETE FROM waymark.breaker_waits WHERE run_id = $1 AND key = $2 RETURNING since', [runId, key]);
  return rows[0]?.since.getTime();
}

/**
 * The runs with calls waiting on breaker `name` (in every tenant under the system scope).
 *
 * @example
 * ```ts
 * for (const w of await breakerWaiters(q, 'vendor')) await wake(w.run_id);
 * ```
 */
export async function breakerWaiters(q: Queryable, name: string): Promise<{ run_id: string; tenant_id: string }[]> {
  const { rows } = await q.query<{ run_id: string; tenant_id: string }>(
    'SELECT DISTINCT run_id, tenant_id FROM waymark.breaker_waits WHERE breaker = $1 ORDER BY run_id',
    [name],
  );
  return rows;
}

/** A breaker as the API lists it. */
export interface BreakerRow extends DbRow {
  name: string;
  last_failure_at: Date | null;
  last_error: unknown;
  updated_at: Date;
  /** Calls waiting on it, counted in the reader's tenant (all of them under the system scope). */
  waiting_calls: number;
}

/**
 * Every breaker that has a row (a breaker that never failed has none), by name.
 *
 * @example
 * ```ts
 * const rows = await listBreakers(q);
 * ```
 */
export async function listBreakers(q: Queryable): Promise<BreakerRow[]> {
  const { rows } = await q.query<BreakerRow>(
    `SELECT b.name, ${COLUMNS.split(', ').map((c) => `b.${c}`).join(', ')}, b.last_failure_at, b.last_error, b.updated_at,
            (SELECT count(*)::int FROM waymark.breaker_waits w WHERE w.breaker = b.name) AS waiting_calls
     FROM waymark.breakers b ORDER BY b.name`,
  );
  return rows;
}

/**
 * An operator's action on breaker `name`: close it (a reset: counts cleared, calls go through)
 * or force it open (calls wait, no probe, until a reset). Returns the state before and the
 * event id.
 *
 * @example
 * ```ts
 * await forceBreaker(q, { name: 'vendor', to: 'closed', actor: 'ops@acme', reason: 'vendor confirmed recovery', now });
 * ```
 */
export async function forceBreaker(
  q: Queryable,
  p: { name: string; to: 'closed' | 'open'; actor: string; reason?: string | undefined; now: number },
): Promise<{ from: BreakerState; eventId: string }> {
  const row = (await readBreaker(q, p.name, true)) ?? CLOSED;
  const next: BreakerFacts =
    p.to === 'closed' ? { ...CLOSED } : { ...CLOSED, state: 'open', forced: true, failures: row.failures, openedAt: row.openedAt ?? p.now };
  await saveBreaker(q, p.name, next);
  const eventId = await appendBreakerEvent(q, {
    breaker: p.name, kind: p.to === 'closed' ? 'reset' : 'forced_open', from: row.state, to: next.state, actor: p.actor, reason: p.reason, at: p.now,
  });
  return { from: row.state, eventId };
}

/**
 * Escalates breakers open past their escalation time at clock time `now`, each once per
 * opening: a `escalated` breaker event, an alert of the installation's tenant (kind
 * `breaker_open`, no run) and a `tool_breaker_escalated` event on every run with a call
 * waiting on it. Run under the system scope. Returns the breakers escalated.
 *
 * @example
 * ```ts
 * await db.tx(SYSTEM_SCOPE, (q) => escalateOpenBreakers(q, clock.now()));
 * ```
 */
export async function escalateOpenBreakers(q: Queryable, now: number): Promise<string[]> {
  const { rows } = await q.query<{ name: string; opened_at: Date; state: BreakerState; waiting: number; last_error: unknown }>(
    `UPDATE waymark.breakers b SET escalated_at = $1, updated_at = clock_timestamp()
     WHERE b.name IN (SELECT name FROM waymark.breakers WHERE escalated_at IS NULL AND state <> 'closed' AND escalate_at <= $1
                      ORDER BY escalate_at FOR UPDATE SKIP LOCKED)
       AND b.escalated_at IS NULL
     RETURNING b.name, b.opened_at, b.state, b.last_error,
       (SELECT count(*)::int FROM waymark.breaker_waits w WHERE w.breaker = b.name) AS waiting`,
    [new Date(now)],
  );
  for (const r of rows) {
    const openFor = Math.round((now - r.opened_at.getTime()) / 1000);
    const reason = `Breaker '${r.name}' has been open for ${openFor} s; ${r.waiting} call(s) wait for it`;
    await appendBreakerEvent(q, { breaker: r.name, kind: 'escalated', from: r.state, to: r.state, actor: 'waymark', reason, data: { waitingCalls: r.waiting }, at: now });
    await q.query(`SELECT waymark.raise_alert($1, $2, 'breaker_open', NULL, 'breakers', $3, $4)`, [
      DEFAULT_TENANT, `breaker_open:${r.name}:${r.opened_at.getTime()}`, r.name,
      JSON.stringify({ breaker: r.name, openedAt: r.opened_at.toISOString(), openSeconds: openFor, waitingCalls: r.waiting, lastError: r.last_error }),
    ]);
    await q.query(
      `INSERT INTO waymark.run_events (run_id, tenant_id, kind, actor, reason, data)
       SELECT run_id, tenant_id, 'tool_breaker_escalated', 'waymark', $2, jsonb_build_object('breaker', breaker, 'tool', tool, 'key', key)
       FROM waymark.breaker_waits WHERE breaker = $1`,
      [r.name, reason],
    );
  }
  return rows.map((r) => r.name);
}

/**
 * Each breaker's state and waiting calls, for the metrics gauges (system scope).
 *
 * @example
 * ```ts
 * const states = await breakerStates(q);
 * ```
 */
export async function breakerStates(q: Queryable): Promise<{ name: string; state: BreakerState; waiting: number }[]> {
  const { rows } = await q.query<{ name: string; state: BreakerState; waiting: number }>(
    `SELECT b.name, b.state, (SELECT count(*)::int FROM waymark.breaker_waits w WHERE w.breaker = b.name) AS waiting FROM waymark.breakers b ORDER BY b.name`,
  );
  return rows;
}
