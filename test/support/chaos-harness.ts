/**
 * The chaos harness shared by `npm run bench:chaos` (bench/chaos.ts) and the CI variant
 * (test/chaos.test.ts). It starts runs of `chaos.order` at a steady pace while worker
 * processes are SIGKILLed at random and restarted (optionally Postgres is restarted once),
 * waits until every run finished or is escalated on an in-doubt call, resolves those calls
 * the way an operator would (by looking at the provider's records), waits again, and checks
 * the invariants against the database and the provider's counters:
 *
 * - no run lost: every requested run exists and ends SUCCESS, or failed for good with a dead letter;
 * - no business row written twice (the tables have no unique key that would hide it);
 * - no side effect made twice by the idempotent tool (per order, not just per key) nor by the
 *   reconciled one; no charge made twice by the non-idempotent one;
 * - every non-idempotent call left in doubt escalated its run, and was not called again
 *   before a person said it had not happened.
 *
 * Randomness is only in timing (which worker dies when); the checks do not depend on it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startWaymark } from '../../src/server.js';
import type { WaymarkServer } from '../../src/server.js';
import { signWebhook } from '../../src/server.js';
import { ChaosServer, type ChaosEndpoint } from './chaos-server.js';
import { CHAOS_EVENT_SOURCE, CHAOS_EVENT_TYPE, CHAOS_WORKFLOW, chaosWorkflows, createChaosTables, type ChaosKind } from './chaos-workflows.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WORKER_SCRIPT = path.join(ROOT, 'test/support/chaos-worker.ts');
const TERMINAL = new Set(['SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED']);
/** A run's DBOS status (`ws`) as clients see it: a parked run (DBOS's CANCELLED) is still going. */
const RUN_STATUS = `CASE WHEN ws.status = 'CANCELLED' AND waymark.is_parked(r.id) THEN 'PENDING' ELSE ws.status END`;
const ENDPOINT_OF: Record<string, ChaosEndpoint> = { 'chaos.ship': 'shipments', 'chaos.invoice': 'invoices', 'chaos.charge': 'charges' };
const OUTPUT_FIELD: Record<ChaosEndpoint, string> = { shipments: 'shipmentId', invoices: 'invoiceId', charges: 'chargeId' };
const EVENT_SECRET = 'chaos-webhook-secret';
/** Every fourth order waits for a delivery event, every fourth asks an operator before charging. */
const kindOf = (i: number): ChaosKind => (i % 4 === 1 ? 'approval' : i % 4 === 2 ? 'event' : 'plain');
/** One approval order in four is rejected by the approver: the run fails and compensates. */
const rejects = (i: number): boolean => i % 16 === 5;

/** Settings of one chaos run. */
export interface ChaosOptions {
  /** A database of its own (created beforehand, dropped by the caller). */
  databaseUrl: string;
  runs: number;
  /** How long workers are killed (the run starts are spread over most of it). */
  seconds: number;
  workers?: number;
  /** Wait between two kills, drawn uniformly from this range. */
  killIntervalMs?: [number, number];
  /**
   * A worker is killed only once it has been READY this long (default 3 s): on a machine so
   * loaded that a worker takes longer to start than the kill interval, every kill would
   * otherwise hit a worker that had just recovered its runs and done nothing with them — a kill
   * storm no run can progress in (see bench/CHAOS.md: the poison-run count then blames them).
   */
  minUptimeMs?: number;
  leaseTtlMs?: number;
  /** Runs are started over this long (default 80% of `seconds`). */
  loadMs?: number;
  /** The provider answers each request after a delay drawn from this range (it acts first). */
  latencyMs?: [number, number];
  /** Make the first shipment, invoice and charge calls hang after acting, and kill their worker. */
  traps?: boolean;
  /** Restart Postgres at each of `atMs` into the kill phase. */
  postgresRestart?: { atMs: number[]; restart: () => Promise<void> };
  /**
   * The whole mix (default): besides plain orders, orders that wait for a delivery event (sent at
   * random moments, some twice) and orders whose charge an approver decides at random moments
   * (some rejected: the run fails and its shipment is compensated). False: plain orders only.
   */
  mix?: boolean;
  /** How long to wait for all runs to settle, each time. */
  settleTimeoutMs?: number;
  /** Stop waiting earlier when no run finished for this long (default 60 s). */
  stallMs?: number;
  appVersion?: string;
  log?: (message: string) => void;
  /** Called with the orchestrating (non-worker) Waymark once it runs. */
  onStarted?: (waymark: WaymarkServer) => void;
  /** Every chunk a worker prints. */
  workerOutput?: (slot: number, pid: number, chunk: string) => void;
}

/** One SIGKILL and how the killed worker's runs came back. */
export interface KillRecord {
  n: number;
  /** Milliseconds since the kill phase began. */
  atMs: number;
  at: number;
  slot: number;
  pid: number;
  executorId: string;
  /** The trapped calls this kill cut off (or the one it targeted), if any. */
  trap: string | undefined;
  /** Runs the worker held (PENDING under its executor id) when it died. */
  held: string[];
  /** How many of them were picked up again, by the restarted worker (same id) or another (adoption). */
  recoveredByRestart: number;
  recoveredByOther: number;
  unrecovered: number;
  /** The worker that adopted the killed worker's runs (none: its restart took them back). */
  adoptedBy: string | undefined;
  /** From the kill until every held run was executing again (null: none held or none seen). */
  recoveryMs: number | null;
  medianRecoveryMs: number | null;
}

export interface ChaosReport {
  options: { runs: number; seconds: number; workers: number; killIntervalMs: [number, number]; leaseTtlMs: number; latencyMs: [number, number]; traps: boolean; mix: boolean };
  startedAt: Date;
  durationMs: number;
  killPhaseMs: number;
  runs: {
    requested: number;
    created: number;
    completed: number;
    statuses: Record<string, number>;
    /** Dead letters the faults caused (a rejected order's is not one of them): each is a violation. */
    deadLettered: { runId: string; orderId: string; cause: string; reason: string; step: string; calls: string }[];
    /** Orders the approver rejected (expected to fail, compensate and be discarded). */
    rejected: number;
    /** Requested orders meant to complete (all but the rejected ones). */
    meantToComplete: number;
    /** Dead letters the operator retried, and the fork that retried each. */
    retried: { runId: string; forkId: string }[];
    /** Requested runs whose last retry (or the run itself) completed. */
    completedInTheEnd: number;
    notFinished: { runId: string; orderId: string; status: string; phase: string }[];
    lost: string[];
    startRetries: number;
    maxRecoveryAttempts: number;
    /** The most crashes in a row without progress any run had (the poison-run count). */
    maxCrashesWithoutProgress: number;
  };
  /** Delivery events: orders waiting for one, events sent (duplicates included), runs that got one. */
  events: { orders: number; sent: number; duplicatesSent: number; delivered: number };
  /** Approvals: requested, approved, rejected, decisions refused (already decided), runs with more than one approval. */
  approvals: { requested: number; approved: number; rejected: number; alreadyDecided: number; duplicateApprovals: number };
  /** Compensations: shipments cancelled, runs rolled back. */
  compensation: { cancellations: number; rolledBack: number };
  business: { orderRows: number; paymentRows: number; duplicateOrderRows: number; duplicatePaymentRows: number; missingForCompleted: number };
  ship: { effects: number; requests: number; keysRequestedMoreThanOnce: number; duplicateEffects: number; inDoubtRerun: number };
  invoice: { effects: number; requests: number; reconcileLookups: number; reconciled: number; duplicateEffects: number };
  charge: { effects: number; requests: number; duplicateCharges: number; duplicateChargesOfCompletedRuns: number };
  inDoubt: {
    /** Non-idempotent calls left in doubt (ledger attempts with outcome in_doubt). */
    chargeCalls: number;
    escalated: number;
    notEscalated: string[];
    repeatedBeforeResolution: string[];
    /** In-doubt calls of any tool seen at the end of the first settle (what the operator resolved). */
    atSettle: { tool: string; key: string; runId: string; orderId: string; effectsAtProvider: number; phase: string }[];
    resolvedHappened: number;
    resolvedNotHappened: number;
  };
  kills: KillRecord[];
  adoptions: { executorId: string; adoptedBy: string; at: Date; runs: number | null }[];
  /** Workers that exited without our SIGKILL; `ready` false: it died starting (e.g. while Postgres was down). */
  unexpectedExits: { slot: number; pid: number; code: string; atMs: number; tail: string; ready: boolean }[];
  postgresRestarts: { atMs: number; tookMs: number }[];
  /** Two live workers under one executor id (never allowed). */
  sharedExecutorIds: { atMs: number; executorId: string; pids: number[] }[];
  /** What the database knows about each run that did not finish, and the workers' timeline. */
  forensics: string[];
  violations: string[];
}

interface Proc {
  slot: number;
  child: ChildProcess;
  pid: number;
  executorId: string | undefined;
  ready: Promise<void>;
  isReady: boolean;
  killed: boolean;
  exited: Promise<string>;
  tail: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const between = ([lo, hi]: [number, number]): number => lo + Math.random() * (hi - lo);
const orderIdOf = (i: number): string => `o-${String(i).padStart(4, '0')}`;
const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};

/** Worker processes in fixed slots; a slot whose worker died without our kill gets a new one. */
class Supervisor {
  readonly slots: (Proc | undefined)[];
  /** When each live worker became READY. */
  readonly readyAt = new Map<Proc, number>();
  readonly unexpectedExits: ChaosReport['unexpectedExits'] = [];
  /** Adoptions as the adopting workers log them. */
  readonly adoptions: ChaosReport['adoptions'] = [];
  /** Spawns, READYs, kills and exits, for the report. */
  readonly timeline: { at: number; what: string }[] = [];
  /** A worker became READY under an executor id that another live worker was using. */
  readonly sharedIds: ChaosReport['sharedExecutorIds'] = [];
  #stopping = false;
  readonly #env: NodeJS.ProcessEnv;
  readonly #t0: () => number;
  readonly #o: ChaosOptions;

  constructor(n: number, env: NodeJS.ProcessEnv, t0: () => number, o: ChaosOptions) {
    this.slots = Array.from({ length: n }, () => undefined);
    this.#env = env;
    this.#t0 = t0;
    this.#o = o;
  }

  spawn(slot: number): Proc {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT], { cwd: ROOT, env: this.#env, stdio: ['ignore', 'pipe', 'pipe'] });
    let readyResolve!: () => void;
    const p: Proc = {
      slot, child, pid: child.pid ?? -1, executorId: undefined, isReady: false, killed: false, tail: '',
      ready: new Promise<void>((r) => (readyResolve = r)),
      exited: new Promise<string>((r) => child.on('exit', (code, sig) => r(String(code ?? sig)))),
    };
    let partial = '';
    const onData = (d: Buffer): void => {
      const s = d.toString();
      p.tail = (p.tail + s).slice(-8_000);
      const lines = (partial + s).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.includes('adopted the runs of a dead worker')) continue;
        try {
          const e = JSON.parse(line) as { time: number; dead: string; runs: number; adopter: string };
          this.adoptions.push({ executorId: e.dead, adoptedBy: e.adopter, at: new Date(e.time), runs: e.runs });
        } catch {
          // not a log line of ours
        }
      }
      this.#o.workerOutput?.(slot, p.pid, s);
      const m = /READY (\S+)/.exec(p.tail);
      if (m && !p.isReady) {
        p.executorId = m[1];
        const twin = this.live().find((o) => o.executorId === p.executorId);
        if (twin) this.sharedIds.push({ atMs: Date.now() - this.#t0(), executorId: p.executorId!, pids: [twin.pid, p.pid] });
        p.isReady = true;
        this.readyAt.set(p, Date.now());
        this.#note(`pid ${p.pid} (slot ${slot}) READY as ${p.executorId}${twin ? ` — while pid ${twin.pid} still runs as ${twin.executorId}` : ''}`);
        readyResolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    this.#note(`pid ${p.pid} (slot ${slot}) spawned`);
    void p.exited.then((code) => {
      if (!this.#stopping) this.#note(`pid ${p.pid} (slot ${slot}, ${p.executorId ?? 'not ready'}) exited: ${code}${p.killed ? ' (our SIGKILL)' : ''}`);
      if (p.killed || this.#stopping) return;
      this.unexpectedExits.push({ slot, pid: p.pid, code, atMs: Date.now() - this.#t0(), tail: p.tail.slice(-4_000), ready: p.isReady });
      this.#o.log?.(`worker ${p.pid} (slot ${slot}) exited by itself (${code}); starting another`);
      setTimeout(() => {
        if (!this.#stopping && this.slots[slot] === p) this.spawn(slot);
      }, 500);
    });
    this.slots[slot] = p;
    return p;
  }

  #note(what: string): void {
    this.timeline.push({ at: Date.now(), what });
  }

  live(): Proc[] {
    return this.slots.filter((p): p is Proc => p !== undefined && p.isReady && !p.killed && p.child.exitCode === null && p.child.signalCode === null);
  }

  async kill(p: Proc): Promise<void> {
    p.killed = true;
    p.child.kill('SIGKILL');
    await p.exited;
  }

  /** Waits until every slot has a READY worker (respawned ones included). */
  async allReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.live().length < this.slots.length) {
      if (Date.now() > deadline) throw new Error(`workers not ready after ${timeoutMs} ms:\n${this.slots.map((s) => s?.tail.slice(-1_000)).join('\n---\n')}`);
      await sleep(100);
    }
  }

  async stopAll(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.slots.map(async (p) => {
      if (p && p.child.exitCode === null && p.child.signalCode === null) {
        p.killed = true;
        p.child.kill('SIGKILL');
        await p.exited;
      }
    }));
  }
}

/** A query that waits out a restarting database (connection errors), but not SQL errors. */
async function q<T extends pg.QueryResultRow = any>(pool: pg.Pool, sql: string, params: unknown[] = [], timeoutMs = 120_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await pool.query<T>(sql, params)).rows;
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (/^(42|22|23)/.test(code) || Date.now() > deadline) throw e;
      await sleep(250);
    }
  }
}

/**
 * Runs the chaos scenario and returns its report; `report.violations` lists every broken
 * invariant (empty when all held).
 *
 * @example
 * ```ts
 * const report = await runChaos({ databaseUrl, runs: 60, seconds: 15 });
 * assert.deepEqual(report.violations, []);
 * ```
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const opts = {
    runs: o.runs, seconds: o.seconds, workers: o.workers ?? 3, killIntervalMs: o.killIntervalMs ?? [2_000, 4_000],
    leaseTtlMs: o.leaseTtlMs ?? 3_000, latencyMs: o.latencyMs ?? [20, 300], traps: o.traps ?? true, mix: o.mix ?? true,
  } satisfies ChaosReport['options'];
  const kind = (i: number): ChaosKind => (opts.mix ? kindOf(i) : 'plain');
  const log = o.log ?? ((): void => {});
  const minUptimeMs = o.minUptimeMs ?? 3_000;
  const appVersion = o.appVersion ?? 'chaos-1';
  const settleTimeoutMs = o.settleTimeoutMs ?? 120_000;
  const stallMs = Math.min(settleTimeoutMs, o.stallMs ?? 60_000);
  const startedAt = new Date();
  const server = new ChaosServer(opts.latencyMs);
  await server.start();
  let wm: WaymarkServer | undefined;
  const pool = new pg.Pool({ connectionString: o.databaseUrl, max: 4 });
  pool.on('error', () => {});
  let t0 = Date.now();
  const env: NodeJS.ProcessEnv = {
    ...process.env, DATABASE_URL: o.databaseUrl, CHAOS_TOOL_URL: server.url, WAYMARK_LEASE_TTL_MS: String(opts.leaseTtlMs),
    WAYMARK_APP_VERSION: appVersion, LOG_LEVEL: 'warn',
  };
  delete env.WAYMARK_EXECUTOR_ID;
  const sup = new Supervisor(opts.workers, env, () => t0, o);
  let poller: NodeJS.Timeout | undefined;
  try {
    wm = await startWaymark({
      workflows: chaosWorkflows, beforeLaunch: createChaosTables, worker: false, http: false, env: {},
      config: {
        databaseUrl: o.databaseUrl, appVersion, logLevel: 'fatal', executorId: undefined, tenantRunsPerMinute: 0, tenantRunsInFlight: 0,
        webhookSecrets: { [CHAOS_EVENT_SOURCE]: EVENT_SECRET },
      },
    });
    const waymark = wm;
    o.onStarted?.(waymark);
    for (let i = 0; i < opts.workers; i++) sup.spawn(i);
    await sup.allReady(90_000);
    log(`${opts.workers} workers ready: ${sup.live().map((p) => `${p.executorId} (pid ${p.pid})`).join(', ')}`);

    // A few calls hang after the provider acted; the next kill targets the worker holding one.
    const traps: { key: string; endpoint: ChaosEndpoint; orderId: string; handled: boolean }[] = [];
    if (opts.traps) {
      for (const [i, endpoint] of [[1, 'shipments'], [2, 'invoices'], [3, 'charges']] as const) {
        if (i >= opts.runs) continue;
        server.trap(endpoint, orderIdOf(i));
        traps.push({ key: `${endpoint}:${orderIdOf(i)}`, endpoint, orderId: orderIdOf(i), handled: false });
      }
    }

    // Adoptions, as they happen (a restarted worker re-registering clears them from its row).
    const adoptions = new Map<string, ChaosReport['adoptions'][number]>();
    let polling = false;
    poller = setInterval(() => {
      if (polling) return;
      polling = true;
      pool.query<{ executor_id: string; adopted_by: string; adopted_at: Date; adopted_runs: number | null }>(
        `SELECT executor_id, adopted_by, adopted_at, adopted_runs FROM waymark.workers WHERE adopted_at IS NOT NULL`,
      ).then(({ rows }) => {
        for (const r of rows) adoptions.set(`${r.executor_id}@${r.adopted_at.getTime()}`, { executorId: r.executor_id, adoptedBy: r.adopted_by, at: r.adopted_at, runs: r.adopted_runs });
      }).catch(() => {}).finally(() => (polling = false));
    }, 250);

    // The load: runs started at a steady pace, each retried with its idempotency key until accepted.
    t0 = Date.now();
    const killPhaseEnd = t0 + opts.seconds * 1_000;
    const loadMs = o.loadMs ?? opts.seconds * 800;
    const runIds = new Map<string, string>();
    let startRetries = 0;
    const startOne = async (i: number): Promise<void> => {
      const orderId = orderIdOf(i);
      const deadline = Date.now() + settleTimeoutMs;
      for (;;) {
        try {
          const { run } = await waymark
            .as({ actor: 'chaos' })
            .runs.start({ workflow: CHAOS_WORKFLOW, input: { orderId, cents: 100 + (i % 50), kind: kind(i) }, idempotencyKey: `chaos:${orderId}` });
          runIds.set(orderId, run.id);
          if (kind(i) === 'event') sendDeliveries(orderId);
          return;
        } catch (e) {
          startRetries++;
          if (Date.now() > deadline) throw e;
          await sleep(250);
        }
      }
    };
    // Delivery events at random moments after the start (before or after the run waits), one
    // order in four delivered twice (the second is accepted once: same event id); each send is
    // tried again until accepted (the database may be restarting).
    const sends: Promise<void>[] = [];
    const eventsSent = new Map<string, number>();
    let duplicatesSent = 0;
    const sendDeliveries = (orderId: string): void => {
      const copies = Number(orderId.slice(2)) % 8 === 2 ? 2 : 1;
      if (copies > 1) duplicatesSent++;
      for (let c = 0; c < copies; c++) {
        sends.push((async () => {
          await sleep(between([0, 6_000]));
          const body = JSON.stringify({ id: `delivery-${orderId}`, type: CHAOS_EVENT_TYPE, key: orderId, data: { orderId } });
          for (const deadline = Date.now() + settleTimeoutMs; ;) {
            try {
              await waymark.as({ actor: 'chaos-carrier' }).events.ingest(CHAOS_EVENT_SOURCE, Buffer.from(body), signWebhook(EVENT_SECRET, body));
              eventsSent.set(orderId, (eventsSent.get(orderId) ?? 0) + 1);
              return;
            } catch (e) {
              if (Date.now() > deadline) throw e;
              await sleep(250);
            }
          }
        })());
      }
    };
    // The approver: each pending approval is decided at a random moment 0–5 s after it is seen.
    const decisions = new Map<string, { orderId: string; decision: 'approve' | 'reject'; done: boolean }>();
    let alreadyDecided = 0;
    let approving = true;
    const decide = async (id: string, orderId: string): Promise<void> => {
      const d = decisions.get(id)!;
      await sleep(between([0, 5_000]));
      for (const deadline = Date.now() + settleTimeoutMs; ;) {
        try {
          await waymark.as({ actor: 'chaos-approver', roles: ['operator'] }).approvals.decide(id, { decision: d.decision, comment: `chaos approver: ${d.decision} ${orderId}` });
          d.done = true;
          return;
        } catch (e) {
          if ((e as { status?: number }).status === 409) {
            alreadyDecided++;
            d.done = true;
            return;
          }
          if (Date.now() > deadline) throw e;
          await sleep(250);
        }
      }
    };
    const approver = (async () => {
      const decided: Promise<void>[] = [];
      while (approving) {
        try {
          const { rows } = await pool.query<{ id: string; order_id: string }>(
            `SELECT a.id, r.input->>'orderId' AS order_id FROM waymark.approvals a JOIN waymark.runs r ON r.id = a.run_id WHERE a.status = 'pending'`,
          );
          for (const a of rows) {
            if (decisions.has(a.id)) continue;
            decisions.set(a.id, { orderId: a.order_id, decision: rejects(Number(a.order_id.slice(2))) ? 'reject' : 'approve', done: false });
            decided.push(decide(a.id, a.order_id));
          }
        } catch {
          // the database may be restarting
        }
        await sleep(250);
      }
      await Promise.all(decided);
    })();
    const load = (async () => {
      const started: Promise<void>[] = [];
      for (let i = 0; i < opts.runs; i++) {
        const due = t0 + (i * loadMs) / opts.runs;
        if (due > Date.now()) await sleep(due - Date.now());
        started.push(startOne(i));
      }
      await Promise.all(started);
    })();
    let loadError: unknown;
    load.catch((e: unknown) => (loadError = e));

    // The kill phase.
    const kills: KillRecord[] = [];
    const pgRestarts: ChaosReport['postgresRestarts'] = [];
    const trapVictim = async (): Promise<{ proc: Proc; trap: string } | undefined> => {
      for (const t of traps) {
        if (t.handled || !server.isHanging(t.key)) continue;
        const runId = runIds.get(t.orderId);
        if (!runId) continue;
        const [row] = await q<{ executor_id: string; status: string }>(pool, 'SELECT executor_id, status FROM dbos.workflow_status WHERE workflow_uuid = $1', [runId]);
        const proc = sup.live().find((p) => p.executorId === row?.executor_id);
        if (proc && row?.status === 'PENDING') {
          t.handled = true;
          return { proc, trap: t.key };
        }
      }
      return undefined;
    };
    const killOne = async (victim: Proc, target: string | undefined): Promise<void> => {
      const hangingBefore = traps.filter((t) => server.isHanging(t.key));
      const at = Date.now();
      await sup.kill(victim);
      const held = (await q<{ id: string }>(pool, `SELECT workflow_uuid AS id FROM dbos.workflow_status WHERE status = 'PENDING' AND executor_id = $1`, [victim.executorId])).map((r) => r.id);
      sup.spawn(victim.slot);
      // Every trapped call this kill cut off (the provider saw its caller go), targeted or not.
      const cut = hangingBefore.filter((t) => !server.isHanging(t.key));
      for (const t of cut) t.handled = true;
      const trap = cut.length ? cut.map((t) => t.key).join(', ') : target;
      kills.push({
        n: kills.length + 1, atMs: at - t0, at, slot: victim.slot, pid: victim.pid, executorId: victim.executorId!, trap, held,
        recoveredByRestart: 0, recoveredByOther: 0, unrecovered: 0, adoptedBy: undefined, recoveryMs: null, medianRecoveryMs: null,
      });
      log(`t=${((at - t0) / 1000).toFixed(1)}s SIGKILL ${victim.executorId} (pid ${victim.pid})${trap ? ` [trap ${trap}]` : ''}: held ${held.length} runs`);
    };
    while (Date.now() < killPhaseEnd) {
      await sleep(between(opts.killIntervalMs));
      if (Date.now() >= killPhaseEnd) break;
      const restartDue = o.postgresRestart?.atMs[pgRestarts.length];
      if (o.postgresRestart && restartDue !== undefined && Date.now() - t0 >= restartDue) {
        const at = Date.now();
        log(`t=${((at - t0) / 1000).toFixed(1)}s restarting Postgres`);
        await o.postgresRestart.restart();
        pgRestarts.push({ atMs: at - t0, tookMs: Date.now() - at });
        log(`t=${((Date.now() - t0) / 1000).toFixed(1)}s Postgres is back (${pgRestarts.at(-1)!.tookMs} ms)`);
        continue;
      }
      const targeted = await trapVictim();
      const live = sup.live().filter((p) => Date.now() - (sup.readyAt.get(p) ?? Infinity) >= minUptimeMs);
      const victim = targeted?.proc ?? live[Math.floor(Math.random() * live.length)];
      if (victim) await killOne(victim, targeted?.trap);
    }
    const killPhaseMs = Date.now() - t0;
    log(`kill phase over after ${(killPhaseMs / 1000).toFixed(1)}s: ${kills.length} kills; waiting for the last run starts`);
    await load.catch(() => {});
    if (loadError) throw loadError instanceof Error ? loadError : new Error('starting runs failed', { cause: loadError });
    await Promise.all(sends);
    await sup.allReady(90_000);
    // A trapped call still hanging would time out and be retried, which is not what a trap is
    // for: kill its worker now (a trap that never fired is dropped).
    for (const giveUp = Date.now() + 30_000; ;) {
      const pending = traps.filter((t) => !t.handled && server.isHanging(t.key));
      if (!pending.length) break;
      if (Date.now() > giveUp) {
        log(`traps still hanging, their worker not found: ${pending.map((t) => t.key).join(', ')}`);
        break;
      }
      const targeted = await trapVictim();
      if (targeted) await killOne(targeted.proc, targeted.trap);
      await sup.allReady(90_000);
      if (!targeted) await sleep(250);
    }

    // Settle: every run finished, or escalated and waiting for a person.
    const statusRows = () =>
      q<{ id: string; order_id: string; status: string | null; phase: string; in_doubt: boolean }>(
        pool,
        // A parked run's DBOS status is CANCELLED: it is still going (it waits, then resumes).
        `SELECT r.id, r.input->>'orderId' AS order_id, ${RUN_STATUS} AS status, r.phase,
                EXISTS (SELECT 1 FROM waymark.tool_calls t WHERE t.owner_run_id = r.id AND t.status = 'in_doubt') AS in_doubt
         FROM waymark.runs r LEFT JOIN dbos.workflow_status ws ON ws.workflow_uuid = r.id WHERE r.workflow = $1`,
        [CHAOS_WORKFLOW],
      );
    const settle = async (label: string, acceptEscalated: boolean): Promise<void> => {
      const deadline = Date.now() + settleTimeoutMs;
      let lastLog = 0;
      let fewest = Infinity;
      let progressAt = Date.now();
      for (;;) {
        const rows = await statusRows();
        const open = rows.filter((r) =>
          (!TERMINAL.has(r.status ?? '') && !(acceptEscalated && r.in_doubt && r.phase === 'escalated')) ||
          // A rejected order is done once its compensation has run.
          (r.status === 'ERROR' && rejectedOrder(r.order_id) && !['rolled_back', 'compensation_failed'].includes(r.phase)));
        if (!open.length) return;
        if (open.length < fewest) {
          fewest = open.length;
          progressAt = Date.now();
        }
        if (Date.now() > deadline || Date.now() - progressAt > stallMs) {
          log(`${label}: gave up waiting for ${open.length} runs (${Date.now() > deadline ? 'timeout' : `no progress for ${stallMs / 1000} s`})`);
          return;
        }
        if (Date.now() - lastLog > 5_000) {
          lastLog = Date.now();
          log(`${label}: ${open.length} runs still going`);
        }
        await sleep(250);
      }
    };
    const rejectedOrder = (orderId: string): boolean => opts.mix && kind(Number(orderId.slice(2))) === 'approval' && rejects(Number(orderId.slice(2)));
    // The operator, in rounds: retry runs that failed for good (from their failing step) — but
    // discard those of rejected orders, whose failure is the business outcome — and settle
    // in-doubt calls by looking at the provider's records; then wait again.
    const atSettle: ChaosReport['inDoubt']['atSettle'] = [];
    const retried: ChaosReport['runs']['retried'] = [];
    let resolvedHappened = 0;
    let resolvedNotHappened = 0;
    let quiet = false;
    for (let round = 1; round <= 3 && !quiet; round++) {
      await settle(`settle ${round}`, true);
      const open = await q<{ run_id: string; order_id: string }>(
        pool,
        `SELECT d.run_id, r.input->>'orderId' AS order_id FROM waymark.dead_letters d JOIN waymark.runs r ON r.id = d.run_id
         WHERE d.status = 'open' AND d.workflow = $1 ORDER BY d.run_id`,
        [CHAOS_WORKFLOW],
      );
      let discarded = 0;
      for (const d of open) {
        const operator = waymark.as({ actor: 'chaos-operator' }).deadLetters;
        if (rejectedOrder(d.order_id)) {
          await operator.discard(d.run_id, 'chaos operator: the approver rejected the charge');
          discarded++;
          continue;
        }
        try {
          const view = await operator.retry(d.run_id, { reason: 'chaos operator: retry after the chaos' });
          retried.push({ runId: d.run_id, forkId: view.retryRunId ?? '?' });
        } catch (e) {
          // A run whose failure was compensated cannot be retried (it is reported as dead-lettered).
          log(`operator: could not retry ${d.run_id}: ${(e as Error).message}`);
          await operator.discard(d.run_id, 'chaos operator: cannot be retried').catch(() => {});
        }
      }
      const inDoubt = (await q<{ tool: string; key: string; run_id: string; order_id: string; phase: string }>(
        pool,
        `SELECT t.tool, t.key, t.owner_run_id AS run_id, t.args->>'orderId' AS order_id, r.phase
         FROM waymark.tool_calls t JOIN waymark.runs r ON r.id = t.owner_run_id WHERE t.status = 'in_doubt' ORDER BY t.key`,
      )).map((r) => ({ tool: r.tool, key: r.key, runId: r.run_id, orderId: r.order_id, phase: r.phase, effectsAtProvider: server.effectsFor(ENDPOINT_OF[r.tool]!, r.order_id).length }));
      for (const c of inDoubt) {
        atSettle.push(c);
        const endpoint = ENDPOINT_OF[c.tool]!;
        const effect = server.effectsFor(endpoint, c.orderId)[0];
        const req = effect
          ? { happened: true, output: { [OUTPUT_FIELD[endpoint]]: effect.id }, comment: `chaos operator: ${effect.id} found at the provider` }
          : { happened: false, comment: 'chaos operator: nothing at the provider' };
        await waymark.as({ actor: 'chaos-operator' }).toolCalls.resolve(c.runId, c.key, req);
        if (effect) resolvedHappened++;
        else resolvedNotHappened++;
      }
      if (open.length || inDoubt.length) {
        log(`operator: discarded ${discarded} dead letters of rejected orders, retried ${open.length - discarded}, resolved ${inDoubt.length} in-doubt calls`);
      } else {
        quiet = true;
      }
    }
    if (!quiet) await settle('final', false);
    approving = false;
    await approver;
    clearInterval(poller);
    poller = undefined;

    return await buildReport({
      pool, server, opts, startedAt, killPhaseMs, kills, runIds, startRetries, atSettle, resolvedHappened, resolvedNotHappened, retried,
      adoptions: mergeAdoptions(sup.adoptions, [...adoptions.values()]), unexpectedExits: sup.unexpectedExits, pgRestarts,
      kindOf: kind, rejectedOrder, eventsSent, duplicatesSent, decisions: [...decisions.values()], alreadyDecided,
      sharedIds: sup.sharedIds, timeline: sup.timeline, t0,
    });
  } finally {
    if (poller) clearInterval(poller);
    await sup.stopAll();
    await wm?.stop();
    await pool.end();
    await server.stop();
  }
}

async function buildReport(x: {
  pool: pg.Pool;
  server: ChaosServer;
  opts: ChaosReport['options'];
  startedAt: Date;
  killPhaseMs: number;
  kills: KillRecord[];
  runIds: Map<string, string>;
  startRetries: number;
  atSettle: ChaosReport['inDoubt']['atSettle'];
  resolvedHappened: number;
  resolvedNotHappened: number;
  retried: ChaosReport['runs']['retried'];
  adoptions: ChaosReport['adoptions'];
  unexpectedExits: ChaosReport['unexpectedExits'];
  pgRestarts: ChaosReport['postgresRestarts'];
  kindOf: (i: number) => ChaosKind;
  rejectedOrder: (orderId: string) => boolean;
  eventsSent: Map<string, number>;
  duplicatesSent: number;
  decisions: { orderId: string; decision: 'approve' | 'reject'; done: boolean }[];
  alreadyDecided: number;
  sharedIds: ChaosReport['sharedExecutorIds'];
  timeline: { at: number; what: string }[];
  /** When the kill phase began (the time base of kills, timeline and forensics). */
  t0: number;
}): Promise<ChaosReport> {
  const { pool, server } = x;
  const violations: string[] = [];
  // Every run, forks made by dead-letter retries included (oldest first).
  const runs = await q<{ id: string; order_id: string; forked_from: string | null; status: string | null; phase: string; recovery_attempts: string | null; output: any }>(
    pool,
    `SELECT r.id, r.input->>'orderId' AS order_id, r.forked_from, ${RUN_STATUS} AS status, r.phase, ws.recovery_attempts, waymark.decode_dbos_value(o.output) AS output
     FROM waymark.runs r LEFT JOIN dbos.workflow_status ws ON ws.workflow_uuid = r.id LEFT JOIN dbos.workflow_output o ON o.workflow_uuid = r.id
     WHERE r.workflow = $1 ORDER BY r.created_at, r.id`,
    [CHAOS_WORKFLOW],
  );
  const originals = runs.filter((r) => r.forked_from === null);
  /** Per order, its last run: the original, or the fork that retried it last. */
  const finals = new Map<string, (typeof runs)[number]>();
  for (const r of runs) finals.set(r.order_id, r);
  const dead = await q<{ run_id: string; cause: string; error: any; step: string | null; calls: string | null }>(
    pool,
    `SELECT d.run_id, d.cause, waymark.decode_dbos_value(o.error) AS error,
            (SELECT function_name FROM dbos.operation_outputs s WHERE s.workflow_uuid = d.run_id AND s.error IS NOT NULL
             ORDER BY function_id DESC LIMIT 1) AS step,
            (SELECT string_agg(t.tool || ' ' || t.status, ', ' ORDER BY t.created_at) FROM waymark.tool_calls t WHERE t.run_id = d.run_id) AS calls
     FROM waymark.dead_letters d LEFT JOIN dbos.workflow_output o ON o.workflow_uuid = d.run_id`,
  );
  const deadById = new Map(dead.map((d) => [d.run_id, d]));
  const byOrder = new Map(originals.map((r) => [r.order_id, r]));

  // Runs: created, finished, lost.
  const statuses: Record<string, number> = {};
  for (const r of runs) statuses[r.status ?? 'none'] = (statuses[r.status ?? 'none'] ?? 0) + 1;
  const lost: string[] = [];
  for (let i = 0; i < x.opts.runs; i++) {
    const orderId = orderIdOf(i);
    if (!byOrder.has(orderId)) {
      lost.push(`${orderId}: never created`);
      violations.push(`run for ${orderId} was never created`);
    }
  }
  const notFinished = runs.filter((r) => !TERMINAL.has(r.status ?? '')).map((r) => ({ runId: r.id, orderId: r.order_id, status: r.status ?? 'none', phase: r.phase }));
  for (const r of notFinished) {
    lost.push(`${r.orderId}: ${r.status}/${r.phase}`);
    violations.push(`run ${r.runId} (${r.orderId}) did not finish: status ${r.status}, phase ${r.phase}`);
  }
  for (const r of runs) {
    if (r.status && r.status !== 'SUCCESS' && TERMINAL.has(r.status) && !deadById.has(r.id)) {
      lost.push(`${r.order_id}: ${r.status} without dead letter`);
      violations.push(`run ${r.id} (${r.order_id}) ended ${r.status} without a dead letter`);
    }
  }
  const rejected = [...finals.values()].filter((r) => x.rejectedOrder(r.order_id));
  for (const r of finals.values()) {
    if (x.rejectedOrder(r.order_id)) continue;
    if (r.status !== 'SUCCESS' && TERMINAL.has(r.status ?? '') && deadById.get(r.id)) {
      violations.push(`order ${r.order_id}: its last run ${r.id} failed for good even after the operator's retries`);
    }
  }
  // A rejected order: failed (its dead letter discarded), shipment compensated once, never charged.
  for (const r of rejected) {
    if (r.status !== 'ERROR') violations.push(`rejected order ${r.order_id}: run ${r.id} ended ${r.status ?? 'none'}, not failed`);
    if (r.phase !== 'rolled_back') violations.push(`rejected order ${r.order_id}: run ${r.id} is in phase ${r.phase}, not rolled_back`);
  }
  const completedInTheEnd = [...finals.values()].filter((r) => r.status === 'SUCCESS').length;
  const meantToComplete = x.opts.runs - rejected.length;
  const errText = (e: any): string => {
    const m = typeof e === 'string' ? e : (e?.message ?? JSON.stringify(e));
    return String(m).slice(0, 300);
  };
  // Dead letters the faults caused: anything but a rejected order's. Restarts and kills alone
  // must never dead-letter a run (not even one an operator could retry).
  const faultDead = dead.filter((d) => !x.rejectedOrder(runs.find((r) => r.id === d.run_id)?.order_id ?? ''));
  for (const d of faultDead) violations.push(`run ${d.run_id} was dead-lettered (${d.cause}: ${String(errText(d.error))})`);
  const deadLettered = faultDead.map((d) => ({
    runId: d.run_id, orderId: runs.find((r) => r.id === d.run_id)?.order_id ?? '?', cause: d.cause, reason: errText(d.error),
    step: d.step ?? '(workflow)', calls: d.calls ?? 'none',
  }));

  // Business rows.
  const orderRows = await q<{ order_id: string; run_id: string }>(pool, 'SELECT order_id, run_id FROM chaos_orders');
  const paymentRows = await q<{ order_id: string; run_id: string; shipment_id: string; invoice_id: string; charge_id: string }>(pool, 'SELECT * FROM chaos_payments');
  const countBy = <T>(xs: T[], k: (t: T) => string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const t of xs) m.set(k(t), (m.get(k(t)) ?? 0) + 1);
    return m;
  };
  const ordersPer = countBy(orderRows, (r) => r.order_id);
  const paymentsPer = countBy(paymentRows, (r) => r.order_id);
  let duplicateOrderRows = 0;
  let duplicatePaymentRows = 0;
  for (const [orderId, n] of ordersPer) {
    if (n > 1) {
      duplicateOrderRows += n - 1;
      violations.push(`order ${orderId}: ${n} rows in chaos_orders`);
    }
  }
  for (const [orderId, n] of paymentsPer) {
    if (n > 1) {
      duplicatePaymentRows += n - 1;
      violations.push(`order ${orderId}: ${n} rows in chaos_payments`);
    }
  }
  let missingForCompleted = 0;
  for (const r of [...finals.values()].filter((r) => r.status === 'SUCCESS')) {
    if (ordersPer.get(r.order_id) !== 1 || paymentsPer.get(r.order_id) !== 1) {
      missingForCompleted++;
      violations.push(`completed run ${r.id} (${r.order_id}) has ${ordersPer.get(r.order_id) ?? 0} order rows and ${paymentsPer.get(r.order_id) ?? 0} payment rows`);
    }
  }

  // Side effects at the provider, per order.
  const effectCheck = (endpoint: ChaosEndpoint, what: string): number => {
    let dups = 0;
    for (const r of finals.values()) {
      const effects = server.effectsFor(endpoint, r.order_id);
      if (effects.length > 1) {
        dups += effects.length - 1;
        violations.push(`order ${r.order_id}: ${effects.length} ${what} at the provider (${effects.map((e) => e.id).join(', ')})`);
      }
      if (r.status === 'SUCCESS') {
        const got = r.output?.[OUTPUT_FIELD[endpoint]];
        if (effects.length !== 1 || got !== effects[0]!.id) {
          violations.push(`completed run ${r.id} (${r.order_id}) returned ${OUTPUT_FIELD[endpoint]} ${String(got)} but the provider has ${effects.map((e) => e.id).join(', ') || 'nothing'}`);
        }
      }
    }
    return dups;
  };
  for (const r of finals.values()) {
    const cancels = server.cancellations.filter((c) => c.orderId === r.order_id).length;
    const expected = x.rejectedOrder(r.order_id) ? 1 : 0;
    if (cancels !== expected) violations.push(`order ${r.order_id}: its shipment was cancelled ${cancels} times (expected ${expected})`);
    if (x.rejectedOrder(r.order_id) && server.effectsFor('charges', r.order_id).length) violations.push(`rejected order ${r.order_id} was charged`);
    if (x.rejectedOrder(r.order_id) && paymentsPer.get(r.order_id)) violations.push(`rejected order ${r.order_id} has a payment row`);
  }
  const shipDups = effectCheck('shipments', 'shipments');
  const invoiceDups = effectCheck('invoices', 'invoices');
  const chargeDups = effectCheck('charges', 'charges');
  let chargeDupsCompleted = 0;
  for (const r of [...finals.values()].filter((r) => r.status === 'SUCCESS')) chargeDupsCompleted += Math.max(0, server.effectsFor('charges', r.order_id).length - 1);
  const shipKeyCounts = countBy(server.requests.filter((r) => r.path === '/shipments'), (r) => r.key ?? '-');

  // In-doubt calls: every non-idempotent one escalated its run and was not repeated unless a
  // person said it had not happened.
  const inDoubtAttempts = await q<{ tool: string; key: string; attempt: number; run_id: string; started_at: Date }>(
    pool,
    `SELECT t.tool, a.key, a.attempt, t.owner_run_id AS run_id, a.started_at
     FROM waymark.tool_call_attempts a JOIN waymark.tool_calls t ON t.tenant_id = a.tenant_id AND t.key = a.key
     WHERE a.outcome = 'in_doubt' ORDER BY a.key, a.attempt`,
  );
  const escalations = await q<{ run_id: string; key: string }>(pool, `SELECT run_id, data->>'key' AS key FROM waymark.run_events WHERE to_phase = 'escalated'`);
  const resolutions = await q<{ key: string; happened: boolean; at: Date }>(
    pool,
    `SELECT data->>'key' AS key, (data->>'happened')::boolean AS happened, at FROM waymark.run_events WHERE kind = 'tool_call_resolved'`,
  );
  const attempts = await q<{ key: string; attempt: number; started_at: Date }>(pool, 'SELECT key, attempt, started_at FROM waymark.tool_call_attempts');
  const escalatedKeys = new Set(escalations.map((e) => `${e.run_id} ${e.key}`));
  const chargeInDoubt = inDoubtAttempts.filter((a) => a.tool === 'chaos.charge');
  const notEscalated: string[] = [];
  const repeatedBeforeResolution: string[] = [];
  for (const a of chargeInDoubt) {
    if (!escalatedKeys.has(`${a.run_id} ${a.key}`)) {
      notEscalated.push(a.key);
      violations.push(`in-doubt charge ${a.key} (attempt ${a.attempt}) did not escalate run ${a.run_id}`);
    }
    const notHappened = resolutions.filter((r) => r.key === a.key && !r.happened).map((r) => r.at.getTime());
    for (const later of attempts.filter((b) => b.key === a.key && b.attempt > a.attempt)) {
      if (!notHappened.some((t) => t <= later.started_at.getTime())) {
        repeatedBeforeResolution.push(a.key);
        violations.push(`in-doubt charge ${a.key} was called again (attempt ${later.attempt}) without a "did not happen" resolution`);
      }
    }
  }
  for (const c of x.atSettle) {
    if (c.phase !== 'escalated') violations.push(`in-doubt call ${c.key} waits in phase ${c.phase}, not escalated`);
  }
  const ledger = await q<{ tool: string; status: string; n: number }>(pool, 'SELECT tool, status, count(*)::int AS n FROM waymark.tool_calls GROUP BY 1, 2');
  const ledgerCount = (tool: string, status: string): number => ledger.find((l) => l.tool === tool && l.status === status)?.n ?? 0;

  // Recovery after each kill: when each held run was executing again (its next 'start' note).
  const notes = await q<{ run_id: string; pid: number; executor_id: string | null; at: Date }>(pool, `SELECT run_id, pid, executor_id, at FROM chaos_progress WHERE what = 'start' ORDER BY at`);
  const notesByRun = new Map<string, typeof notes>();
  for (const n of notes) notesByRun.set(n.run_id, [...(notesByRun.get(n.run_id) ?? []), n]);
  for (const k of x.kills) {
    const nextKillOfSameId = x.kills.find((o) => o.n > k.n && o.executorId === k.executorId)?.at ?? Infinity;
    k.adoptedBy = x.adoptions.find((a) => a.executorId === k.executorId && a.at.getTime() >= k.at && a.at.getTime() < nextKillOfSameId)?.adoptedBy;
    const times: number[] = [];
    // Runs only: a compensation workflow it held notes no progress (its run's phase tells).
    for (const id of k.held.filter((h) => runs.some((r) => r.id === h))) {
      const next = notesByRun.get(id)?.find((n) => n.pid !== k.pid && n.at.getTime() > k.at);
      if (!next) {
        k.unrecovered++;
        continue;
      }
      times.push(next.at.getTime() - k.at);
      if (next.executor_id === k.executorId) k.recoveredByRestart++;
      else k.recoveredByOther++;
    }
    k.recoveryMs = times.length ? Math.max(...times) : null;
    k.medianRecoveryMs = median(times);
    if (k.unrecovered) {
      // A run that finished before the note could be written (database restarting) is fine; one that did not is already a violation above.
      const unfinished = k.held.filter((id) => !TERMINAL.has(runs.find((r) => r.id === id)?.status ?? ''));
      if (unfinished.length) violations.push(`kill #${k.n}: runs ${unfinished.join(', ')} were never picked up again`);
    }
  }

  // Delivery events: every completed event order got the one delivery, however often it was sent.
  let delivered = 0;
  const eventOrders = [...finals.values()].filter((r) => x.kindOf(Number(r.order_id.slice(2))) === 'event');
  for (const r of eventOrders) {
    if (r.status !== 'SUCCESS') continue;
    if (r.output?.deliveryEventId === `delivery-${r.order_id}`) delivered++;
    else violations.push(`event order ${r.order_id}: run ${r.id} completed with delivery ${String(r.output?.deliveryEventId)}`);
  }
  const eventRows = await q<{ event_id: string; n: number }>(pool, `SELECT event_id, count(*)::int AS n FROM waymark.events WHERE source = $1 GROUP BY event_id HAVING count(*) > 1`, [CHAOS_EVENT_SOURCE]);
  for (const e of eventRows) violations.push(`event ${e.event_id} was stored ${e.n} times`);
  // Approvals: one per approval order's run, decided once; a completed one was approved.
  const approvalRows = await q<{ run_id: string; order_id: string; status: string; n: number }>(
    pool,
    `SELECT a.run_id, r.input->>'orderId' AS order_id, min(a.status) AS status, count(*)::int AS n FROM waymark.approvals a JOIN waymark.runs r ON r.id = a.run_id
     WHERE r.workflow = $1 GROUP BY a.run_id, r.input->>'orderId'`,
    [CHAOS_WORKFLOW],
  );
  const duplicateApprovals = approvalRows.filter((a) => a.n > 1).length;
  for (const a of approvalRows.filter((a) => a.n > 1)) violations.push(`run ${a.run_id} (${a.order_id}) asked ${a.n} approvals`);
  for (const r of [...finals.values()].filter((r) => r.status === 'SUCCESS' && x.kindOf(Number(r.order_id.slice(2))) === 'approval')) {
    const a = approvalRows.find((ap) => ap.run_id === r.id || ap.order_id === r.order_id);
    if (!a || a.status !== 'approved' || !r.output?.approvalId) violations.push(`approval order ${r.order_id}: run ${r.id} completed without an approved approval (${a?.status ?? 'none'})`);
  }
  const pending = x.decisions.filter((d) => !d.done);
  for (const d of pending) violations.push(`the approval of ${d.orderId} was never decided`);
  const crashRows = await q<{ max: number | null }>(pool, 'SELECT max(crashes_without_progress)::int AS max FROM waymark.run_executions');

  for (const d of x.sharedIds) {
    violations.push(`two live workers (pids ${d.pids.join(', ')}) ran under executor id ${d.executorId} from t=${(d.atMs / 1000).toFixed(1)} s`);
  }
  const forensics = notFinished.length ? await runForensics(pool, notFinished.map((r) => r.runId), x.timeline, x.t0) : [];

  const maxRecoveryAttempts = Math.max(0, ...runs.map((r) => Number(r.recovery_attempts ?? 0)));
  return {
    options: x.opts,
    startedAt: x.startedAt,
    durationMs: Date.now() - x.startedAt.getTime(),
    killPhaseMs: x.killPhaseMs,
    runs: {
      requested: x.opts.runs, created: originals.length, completed: originals.filter((r) => r.status === 'SUCCESS').length, statuses, deadLettered,
      retried: x.retried, completedInTheEnd, notFinished, lost, rejected: rejected.length, meantToComplete,
      startRetries: x.startRetries, maxRecoveryAttempts, maxCrashesWithoutProgress: crashRows[0]?.max ?? 0,
    },
    events: {
      orders: eventOrders.length, sent: [...x.eventsSent.values()].reduce((a, b) => a + b, 0), duplicatesSent: x.duplicatesSent, delivered,
    },
    approvals: {
      requested: approvalRows.reduce((a, r) => a + r.n, 0), approved: x.decisions.filter((d) => d.decision === 'approve').length,
      rejected: x.decisions.filter((d) => d.decision === 'reject').length, alreadyDecided: x.alreadyDecided, duplicateApprovals,
    },
    compensation: { cancellations: server.cancellations.length, rolledBack: rejected.filter((r) => r.phase === 'rolled_back').length },
    business: { orderRows: orderRows.length, paymentRows: paymentRows.length, duplicateOrderRows, duplicatePaymentRows, missingForCompleted },
    ship: {
      effects: server.shipments.length,
      requests: server.requests.filter((r) => r.path === '/shipments').length,
      keysRequestedMoreThanOnce: [...shipKeyCounts.values()].filter((n) => n > 1).length,
      duplicateEffects: shipDups,
      inDoubtRerun: inDoubtAttempts.filter((a) => a.tool === 'chaos.ship').length,
    },
    invoice: {
      effects: server.invoices.length,
      requests: server.requests.filter((r) => r.method === 'POST' && r.path === '/invoices').length,
      reconcileLookups: server.requests.filter((r) => r.method === 'GET' && r.path === '/invoices').length,
      reconciled: ledgerCount('chaos.invoice', 'reconciled'),
      duplicateEffects: invoiceDups,
    },
    charge: {
      effects: server.charges.length,
      requests: server.requests.filter((r) => r.path === '/charges').length,
      duplicateCharges: chargeDups,
      duplicateChargesOfCompletedRuns: chargeDupsCompleted,
    },
    inDoubt: {
      chargeCalls: chargeInDoubt.length,
      escalated: chargeInDoubt.length - notEscalated.length,
      notEscalated,
      repeatedBeforeResolution,
      atSettle: x.atSettle,
      resolvedHappened: x.resolvedHappened,
      resolvedNotHappened: x.resolvedNotHappened,
    },
    kills: x.kills,
    adoptions: x.adoptions,
    unexpectedExits: x.unexpectedExits,
    postgresRestarts: x.pgRestarts,
    sharedExecutorIds: x.sharedIds,
    forensics,
    violations,
  };
}

/** Everything the database says about runs that did not finish, to explain why. */
async function runForensics(pool: pg.Pool, ids: string[], timeline: { at: number; what: string }[], t0: number): Promise<string[]> {
  const out: string[] = [];
  const rel = (d: Date | string | number | null): string => (d === null ? '-' : `${((new Date(d).getTime() - t0) / 1000).toFixed(2)}s`);
  for (const id of ids.slice(0, 5)) {
    out.push(`run ${id}:`);
    const [ws] = await q(pool, `SELECT status, executor_id, recovery_attempts, queue_name, owner_xid, updated_at FROM dbos.workflow_status WHERE workflow_uuid = $1`, [id]);
    out.push(`  workflow_status: ${JSON.stringify({ ...ws, updated_at: ws ? rel(Number(ws.updated_at)) : null })}`);
    for (const n of await q(pool, `SELECT pid, executor_id, what, at FROM chaos_progress WHERE run_id = $1 ORDER BY at`, [id])) {
      out.push(`  progress ${rel(n.at)} ${n.what} by pid ${n.pid} (${n.executor_id})`);
    }
    for (const st of await q(pool, `SELECT function_id, function_name, error IS NOT NULL AS failed, started_at_epoch_ms, completed_at_epoch_ms FROM dbos.operation_outputs WHERE workflow_uuid = $1 ORDER BY function_id`, [id])) {
      out.push(`  step ${st.function_id} ${st.function_name}${st.failed ? ' (error)' : ''} ${rel(Number(st.started_at_epoch_ms))}..${rel(Number(st.completed_at_epoch_ms))}`);
    }
    for (const a of await q(pool, `SELECT t.tool, t.status, a.attempt, a.outcome, a.started_at, a.finished_at FROM waymark.tool_call_attempts a JOIN waymark.tool_calls t USING (tenant_id, key) WHERE t.owner_run_id = $1 ORDER BY a.started_at`, [id])) {
      out.push(`  call ${a.tool} (${a.status}) attempt ${a.attempt}: ${a.outcome} ${rel(a.started_at)}..${rel(a.finished_at)}`);
    }
    for (const e of await q(pool, `SELECT kind, to_phase, actor, at FROM waymark.run_events WHERE run_id = $1 ORDER BY id`, [id])) {
      out.push(`  event ${rel(e.at)} ${e.kind} ${e.to_phase ?? ''} by ${e.actor}`);
    }
    for (const m of await q(pool, `SELECT topic, created_at_epoch_ms FROM dbos.notifications WHERE destination_uuid = $1`, [id]).catch(() => [])) {
      out.push(`  unread message on ${m.topic} since ${rel(Number(m.created_at_epoch_ms))}`);
    }
  }
  out.push('workers:', ...timeline.map((t) => `  ${rel(t.at)} ${t.what}`));
  return out;
}

/** The report as markdown: the summary table, the kills, dead letters and violations. */
export function formatReport(r: ChaosReport): string {
  const ok = (b: boolean): string => (b ? 'yes' : '**NO**');
  const killed = r.kills.filter((k) => k.held.length);
  const recov = killed.map((k) => k.recoveryMs).filter((v): v is number => v !== null);
  const reasons = new Map<string, number>();
  for (const d of r.runs.deadLettered) reasons.set(`${d.cause}: ${d.reason}`, (reasons.get(`${d.cause}: ${d.reason}`) ?? 0) + 1);
  const lines = [
    '| What | Result | Goal | Held |',
    '| --- | ---: | --- | --- |',
    `| Runs requested / created | ${r.runs.requested} / ${r.runs.created} | all created | ${ok(r.runs.created === r.runs.requested)} |`,
    `| Runs completed without a dead letter | ${r.runs.completed} | — | |`,
    `| Runs dead-lettered (reasons below); retried by the operator | ${r.runs.deadLettered.length}; ${r.runs.retried.length} | — | |`,
    `| Requested runs completed in the end (after retries and resolutions) | ${r.runs.completedInTheEnd} / ${r.runs.meantToComplete} (+ ${r.runs.rejected} rejected) | all but the rejected | ${ok(r.runs.completedInTheEnd === r.runs.meantToComplete)} |`,
    `| Runs dead-lettered by the faults (kills, restarts) | ${r.runs.deadLettered.length} | 0 | ${ok(r.runs.deadLettered.length === 0)} |`,
    `| Delivery events: orders waiting / sent (duplicates) / delivered to completed runs | ${r.events.orders} / ${r.events.sent} (${r.events.duplicatesSent}) / ${r.events.delivered} | one each | ${ok(!r.violations.some((v) => /^event /.test(v)))} |`,
    `| Approvals: asked / approved / rejected at random moments (decisions refused as already made) | ${r.approvals.requested} / ${r.approvals.approved} / ${r.approvals.rejected} (${r.approvals.alreadyDecided}) | one per run | ${ok(r.approvals.duplicateApprovals === 0)} |`,
    `| Compensations: rejected runs rolled back / shipments cancelled | ${r.compensation.rolledBack} / ${r.compensation.cancellations} | one per rejected run | ${ok(r.compensation.rolledBack === r.runs.rejected && r.compensation.cancellations === r.runs.rejected)} |`,
    `| Runs lost (not finished, or failed without dead letter) | ${r.runs.lost.length} | 0 | ${ok(r.runs.lost.length === 0)} |`,
    `| Duplicate business rows (orders / payments) | ${r.business.duplicateOrderRows} / ${r.business.duplicatePaymentRows} | 0 | ${ok(r.business.duplicateOrderRows + r.business.duplicatePaymentRows === 0)} |`,
    `| Completed runs missing a business row | ${r.business.missingForCompleted} | 0 | ${ok(r.business.missingForCompleted === 0)} |`,
    `| Idempotent tool: orders shipped twice (distinct effects) | ${r.ship.duplicateEffects} | 0 | ${ok(r.ship.duplicateEffects === 0)} |`,
    `| Idempotent tool: keys sent more than once (de-duplicated by the provider) | ${r.ship.keysRequestedMoreThanOnce} | — | |`,
    `| Idempotent tool: in-doubt calls re-run with the same key | ${r.ship.inDoubtRerun} | — | |`,
    `| Reconciled tool: orders invoiced twice | ${r.invoice.duplicateEffects} | 0 | ${ok(r.invoice.duplicateEffects === 0)} |`,
    `| Reconciled tool: in-doubt calls reconciled (lookups) | ${r.invoice.reconciled} (${r.invoice.reconcileLookups}) | — | |`,
    `| Non-idempotent tool: runs charged twice | ${r.charge.duplicateCharges} | 0 | ${ok(r.charge.duplicateCharges === 0)} |`,
    `| Non-idempotent calls in doubt / escalated | ${r.inDoubt.chargeCalls} / ${r.inDoubt.escalated} | all escalated | ${ok(r.inDoubt.notEscalated.length === 0)} |`,
    `| In-doubt calls repeated before a person said "did not happen" | ${r.inDoubt.repeatedBeforeResolution.length} | 0 | ${ok(r.inDoubt.repeatedBeforeResolution.length === 0)} |`,
    `| Runs escalated at settle; resolved happened / not happened | ${r.inDoubt.atSettle.length}; ${r.inDoubt.resolvedHappened} / ${r.inDoubt.resolvedNotHappened} | — | |`,
    `| SIGKILLs (holding runs) | ${r.kills.length} (${killed.length}) | — | |`,
    `| Recovery after a kill, median / max | ${fmtMs(median(recov))} / ${fmtMs(recov.length ? Math.max(...recov) : null)} | — | |`,
    `| Adoptions by another worker | ${r.adoptions.length} | — | |`,
    `| Postgres restarts | ${r.postgresRestarts.length ? r.postgresRestarts.map((p) => `at ${(p.atMs / 1000).toFixed(1)} s, back after ${p.tookMs} ms`).join('; ') : 'none'} | — | |`,
    `| Workers that exited by themselves: running / while starting | ${r.unexpectedExits.filter((e) => e.ready).length} / ${r.unexpectedExits.filter((e) => !e.ready).length} | — | |`,
    `| Max DBOS recovery attempts of a run | ${r.runs.maxRecoveryAttempts} | < 100 | ${ok(r.runs.maxRecoveryAttempts < 100)} |`,
    `| Max crashes in a row without progress of a run (poison-run count) | ${r.runs.maxCrashesWithoutProgress} | < 5 | ${ok(r.runs.maxCrashesWithoutProgress < 5)} |`,
    `| Invariants held | ${r.violations.length === 0 ? 'all' : `${r.violations.length} violations`} | all | ${ok(r.violations.length === 0)} |`,
    '',
    `Provider totals: ${r.ship.effects} shipments from ${r.ship.requests} requests, ${r.compensation.cancellations} cancelled; ${r.invoice.effects} invoices from ${r.invoice.requests} POSTs; ${r.charge.effects} charges from ${r.charge.requests} requests. Run starts retried: ${r.runs.startRetries}. Statuses: ${JSON.stringify(r.runs.statuses)}.`,
    '',
    '### Kills',
    '',
    '| # | t (s) | Worker (pid) | Runs held | Handed back by | Next executed under the same id / another | Not seen again | Recovery median / max |',
    '| ---: | ---: | --- | ---: | --- | --- | ---: | --- |',
    ...r.kills.map((k) =>
      `| ${k.n} | ${(k.atMs / 1000).toFixed(1)} | ${k.executorId} (${k.pid})${k.trap ? ` trap ${k.trap}` : ''} | ${k.held.length} | ${k.adoptedBy ? `adoption by ${k.adoptedBy}` : 'its restart'} | ${k.recoveredByRestart} / ${k.recoveredByOther} | ${k.unrecovered} | ${fmtMs(k.medianRecoveryMs)} / ${fmtMs(k.recoveryMs)} |`),
  ];
  if (r.adoptions.length) {
    lines.push('', '### Adoptions', '', ...r.adoptions.map((a) => `* ${a.at.toISOString()}: ${a.executorId} adopted by ${a.adoptedBy} (${a.runs ?? '?'} runs)`));
  }
  if (reasons.size) {
    lines.push('', '### Dead letters', '', ...[...reasons].map(([reason, n]) => `* ${n} × ${reason}`), '');
    lines.push(...r.runs.deadLettered.map((d) => `* ${d.orderId} (${d.runId}): failed in step \`${d.step}\`; its tool calls: ${d.calls}`));
  }
  if (r.unexpectedExits.length) {
    lines.push('', '### Workers that exited by themselves', '', ...r.unexpectedExits.map((e) => `* t=${(e.atMs / 1000).toFixed(1)} s slot ${e.slot} pid ${e.pid} exit ${e.code}${e.ready ? '' : ' (while starting)'}: ${lastLines(e.tail)}`));
  }
  if (r.violations.length) {
    lines.push('', '### Violations', '', ...r.violations.slice(0, 50).map((v) => `* ${v}`));
    if (r.violations.length > 50) lines.push(`* ... and ${r.violations.length - 50} more`);
  }
  if (r.forensics.length) lines.push('', '### Forensics (runs that did not finish; times from the start of the kill phase)', '', '```', ...r.forensics, '```');
  return lines.join('\n');
}

/** Adoptions from the workers' logs, plus any the poller saw that no log line reported. */
function mergeAdoptions(logged: ChaosReport['adoptions'], polled: ChaosReport['adoptions']): ChaosReport['adoptions'] {
  const all = [...logged];
  for (const p of polled) {
    if (!logged.some((l) => l.executorId === p.executorId && l.adoptedBy === p.adoptedBy && Math.abs(l.at.getTime() - p.at.getTime()) < 2_000)) all.push(p);
  }
  return all.sort((a, b) => a.at.getTime() - b.at.getTime());
}

function fmtMs(ms: number | null): string {
  return ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`;
}

/** The line that says why a worker died: our diagnostic, else the thrown error's first line. */
function lastLines(s: string): string {
  const lines = s.trim().split('\n');
  const why = lines.filter((l) => l.startsWith('CHAOS unhandled')).at(-1) ?? lines.find((l) => /^(\w*Error|error):/.test(l)) ?? lines.slice(-3).join(' ⏎ ');
  return why.replace(/\|/g, '\\|').slice(0, 600);
}
