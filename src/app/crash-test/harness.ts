/**
 * @module app/crash-test/harness
 * `waymark crash-test`: runs one workflow in a child worker process, first uninterrupted (twice:
 * the reference, and what varies between two clean runs), then once per boundary — before each
 * step, after its side effect but before its checkpoint, after its checkpoint, during each
 * durable wait — SIGKILLing the worker there, restarting it, letting the run finish and judging
 * the outcome against the reference. Every run gets a scratch database cloned from a migrated
 * template, on the server of DATABASE_URL (or the embedded one), so the application's own data
 * is never touched. Waits are answered and in-doubt tool calls resolved as configured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../config.js';
import { WaymarkError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import type { CrashPointKind } from '../../runtime/crash-probe.js';
import { openDatabase } from '../../runtime/database.js';
import { signWebhook } from '../../service/events.js';
import { createScratchDatabase, dropScratchDatabase, readBusinessTables, readLedger, readWaits, runCheckQuery, type LedgerCall, type OpenWait } from '../../store/crash-test.js';
import { migrate } from '../../store/migrate.js';
import { startWaymark, type WaymarkServer } from '../start-waymark.js';
import { loadWorkflowsModule, type WorkflowModule } from '../workflows-module.js';
import { startHttpRecorder } from './http-recorder.js';
import { judge, normalise, volatileColumns, type Boundary, type BoundaryResult, type Reference, type RunFacts } from './compare.js';
import type { ReachedPoint } from './probe.js';
import type { CrashWorkerStart } from './worker.js';

/** Options of {@link crashTest}. */
export interface CrashTestOptions {
  /** The workflow's public name. */
  workflow: string;
  /** The run's input. */
  input: unknown;
  /** The module exporting `workflows` (and optionally `beforeLaunch`), as for `waymark start`. */
  workflowsModule: string;
  /**
   * A read-only SQL query over the business tables whose result must be the same after every
   * crash as after the uninterrupted run (e.g. `SELECT count(*) FROM orders WHERE id = 'o-1'`).
   */
  check?: string;
  /** How the harness decides approvals. Default `approve` (with no edits). */
  approvals?: 'approve' | 'reject';
  /**
   * Events the harness delivers to event waits, by `type` or `source:type`: the event's `data`.
   * A wait for an event without an entry here is not answered.
   */
  events?: Record<string, unknown>;
  /**
   * How the harness resolves a tool call in doubt after a crash: `happened` (default; with the
   * uninterrupted run's result) or `not-happened` (the run calls the tool again).
   */
  inDoubt?: 'happened' | 'not-happened';
  /** Which boundaries to kill at. Default all. */
  kinds?: CrashPointKind[];
  /** Kill at Waymark's own steps too (notifications, phases, ledger bookkeeping). Default true. */
  waymarkSteps?: boolean;
  /** At most this many boundaries, spread evenly over the run. Default all. */
  maxBoundaries?: number;
  /** Crashed runs at once (each in its own database, with its own workers). Default 1. */
  concurrency?: number;
  /** How long one run may take to finish. Default 60 s. */
  runTimeoutMs?: number;
  /** The Postgres server for the scratch databases. Default DATABASE_URL, else the embedded one. */
  databaseUrl?: string;
  /** Extra environment of the worker processes. */
  env?: Record<string, string>;
  /** Called with one line per finished run. */
  onProgress?: (line: string) => void;
}

/** The result of {@link crashTest}. */
export interface CrashTestReport {
  workflow: string;
  /** The uninterrupted run: its output and what it left. */
  reference: { output: unknown; check?: unknown; toolCalls: number; outputStable: boolean; volatileColumns: Record<string, string[]> };
  boundaries: BoundaryResult[];
  /** Boundaries with a problem, and with a risk only. */
  problems: number;
  risks: number;
  /** No problem found. */
  ok: boolean;
  durationMs: number;
}

const APP_VERSION = 'crash-test';
const EVENT_SOURCE = 'crash-test';
const POLL_MS = 100;

/**
 * Crash-tests one workflow; resolves with the report (`ok` false when a problem was found).
 *
 * @example
 * ```ts
 * import { crashTest } from 'waymark/testing';
 * const report = await crashTest({
 *   workflow: 'place-order', input: { orderId: 'o-1' }, workflowsModule: 'src/workflows.ts',
 *   check: "SELECT count(*) FROM orders WHERE id = 'o-1'",
 * });
 * if (!report.ok) console.log(formatCrashTestReport(report));
 * ```
 */
export async function crashTest(options: CrashTestOptions): Promise<CrashTestReport> {
  const started = Date.now();
  const mod = await loadWorkflowsModule(options.workflowsModule);
  const config = loadConfig(process.env, options.databaseUrl ? { databaseUrl: options.databaseUrl } : {});
  const server = await openDatabase(config);
  const prefix = `wm_crash_${randomBytes(4).toString('hex')}`;
  const template = `${prefix}_tpl`;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'waymark-crash-test-'));
  const recorder = await startHttpRecorder();
  const ctx: Harness = { options, mod, serverUrl: server.url, template, prefix, tmp, n: 0, recorder, secret: randomBytes(16).toString('hex'), sources: eventSources(options.events ?? {}), workers: new WarmWorkers({ options }, Math.max(2, options.concurrency ?? 1)) };
  try {
    await migrate(await createScratchDatabase(server.url, template));
    // The two uninterrupted runs are independent: run them side by side.
    const [first, second] = await Promise.all([runOnce(ctx, undefined, undefined), runOnce(ctx, undefined, undefined)]);
    if (first.status !== 'SUCCESS') {
      throw new WaymarkError('crash_test_reference_failed', `The uninterrupted run of '${options.workflow}' did not complete (${first.unfinished ?? first.status}${first.error ? `: ${JSON.stringify(first.error)}` : ''}); fix that first`);
    }
    const reference: Reference = {
      facts: first,
      outputStable: normalise(first.output, first.runId) === normalise(second.output, second.runId),
      volatile: volatileColumns(first, second),
    };
    if (first.check !== undefined && normalise(first.check, first.runId) !== normalise(second.check, second.runId)) {
      throw new WaymarkError('crash_test_check_unstable', `The check query gives different results for two uninterrupted runs (${JSON.stringify(first.check)} and ${JSON.stringify(second.check)}); it must only count what one run does`);
    }
    const boundaries = chooseBoundaries(first.points, options);
    options.onProgress?.(`reference run finished: ${first.points.length} points, ${boundaries.length} boundaries to crash at`);
    const results: BoundaryResult[] = new Array<BoundaryResult>(boundaries.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < boundaries.length) {
        const i = next++;
        const b = boundaries[i]!;
        const t0 = Date.now();
        const facts = await runOnce(ctx, b, first);
        results[i] = judge(reference, b, facts, Date.now() - t0);
        const r = results[i];
        options.onProgress?.(`${r.problems.length ? 'PROBLEM' : r.risks.length ? 'risk   ' : 'ok     '} ${r.label}${r.problems.length ? `: ${r.problems.join('; ')}` : ''}`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, lane));
    const problems = results.filter((r) => r.problems.length).length;
    return {
      workflow: options.workflow,
      reference: {
        output: first.output, ...(first.check !== undefined ? { check: first.check } : {}), toolCalls: first.ledger.length,
        outputStable: reference.outputStable,
        volatileColumns: Object.fromEntries([...reference.volatile].map(([t, c]) => [t, [...c].sort()])),
      },
      boundaries: results,
      problems,
      risks: results.filter((r) => !r.problems.length && r.risks.length).length,
      ok: problems === 0,
      durationMs: Date.now() - started,
    };
  } finally {
    await ctx.workers.close();
    await recorder.close();
    await dropScratchDatabase(server.url, template).catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
    await server.close();
  }
}

interface Harness {
  options: CrashTestOptions;
  mod: WorkflowModule;
  serverUrl: string;
  template: string;
  prefix: string;
  tmp: string;
  n: number;
  /** The webhook secret of the sources the harness delivers events as. */
  secret: string;
  sources: string[];
  workers: WarmWorkers;
  recorder: Awaited<ReturnType<typeof startHttpRecorder>>;
}

function eventSources(events: Record<string, unknown>): string[] {
  const sources = new Set([EVENT_SOURCE]);
  for (const k of Object.keys(events)) if (k.includes(':')) sources.add(k.slice(0, k.indexOf(':')));
  return [...sources];
}

/** The boundaries of the reference run to crash at, as the options narrow them. */
function chooseBoundaries(points: ReachedPoint[], o: CrashTestOptions): Boundary[] {
  const all = points
    .filter((p) => !o.kinds || o.kinds.includes(p.kind))
    .filter((p) => o.waymarkSteps !== false || p.category !== 'waymark')
    .map(({ kind, category, name, stepId, seq }): Boundary => ({ kind, category, name, stepId, seq }));
  const max = o.maxBoundaries;
  if (!max || all.length <= max) return all;
  // Each kind gets its share, at evenly spaced points of the run.
  const kinds = [...new Set(all.map((b) => b.kind))];
  const share = Math.ceil(max / kinds.length);
  const picked = new Set<Boundary>();
  for (const kind of kinds) {
    const list = all.filter((b) => b.kind === kind);
    for (let i = 0; i < Math.min(share, list.length); i++) picked.add(list[Math.floor((i * list.length) / Math.min(share, list.length))]!);
  }
  return [...picked].sort((a, b) => a.seq - b.seq).slice(0, max);
}

/**
 * One run of the workflow in a fresh scratch database: uninterrupted (`boundary` undefined) or
 * killed at `boundary` and finished by a restarted worker.
 */
async function runOnce(h: Harness, boundary: Boundary | undefined, reference: RunFacts | undefined): Promise<RunFacts> {
  const name = `${h.prefix}_${h.n++}`;
  const url = await createScratchDatabase(h.serverUrl, name, h.template);
  const logFile = path.join(h.tmp, `${name}.jsonl`);
  const waymark = await startWaymark({
    workflows: h.mod.workflows, worker: false, env: {}, logger: createLogger('warn', process.stderr),
    config: { databaseUrl: url, appVersion: APP_VERSION, logLevel: 'warn', dbPoolSize: 3, webhookSecrets: Object.fromEntries(h.sources.map((s) => [s, h.secret])) },
  });
  const caller = waymark.as({ actor: 'crash-test' });
  let child: Worker | undefined;
  try {
    const { run } = await caller.runs.start({ workflow: h.options.workflow, input: h.options.input });
    const killAt = boundary ? boundary.seq : null;
    child = h.workers.take();
    child.start({ databaseUrl: url, probe: { runId: run.id, killAt, logFile }, httpRecorder: h.recorder.url });
    const facts: Omit<RunFacts, 'status' | 'output' | 'error' | 'tables' | 'check' | 'ledger' | 'points' | 'http'> = { runId: run.id, workers: 1, killed: false, resolved: [], answered: [] };
    // Waits the crashing worker must get past to reach its boundary; the boundary's own wait is
    // answered only after the restart.
    const waitsBefore = boundary && reference ? countWaitsBefore(reference.points, boundary.seq) : Infinity;
    const deadline = Date.now() + (h.options.runTimeoutMs ?? 60_000);
    let status = 'ENQUEUED';
    for (;;) {
      const view = await caller.runs.get(run.id);
      status = view.status;
      if (['SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED'].includes(status)) break;
      if (child.exit !== undefined) {
        const killedHere = !facts.killed && readPoints(logFile).some((p) => p.kill);
        if (!killedHere) {
          facts.unfinished = `the worker exited (${String(child.exit)}) without being killed by the crash test:\n${child.output().slice(-2000)}`;
          break;
        }
        facts.killed = true;
        facts.workers++;
        child = h.workers.take();
        child.start({ databaseUrl: url, probe: { runId: run.id, killAt: null, logFile }, httpRecorder: h.recorder.url });
      }
      const crashPending = killAt !== null && !facts.killed;
      for (const w of await readWaits(waymark.pool, run.id)) {
        if (!w.open || facts.answered.includes(w.id) || (crashPending && w.ordinal >= waitsBefore)) continue;
        if (await answerWait(h, waymark, w)) facts.answered.push(w.id);
      }
      for (const c of await readLedger(waymark.pool, run.id)) {
        if (c.status !== 'in_doubt' || facts.resolved.some((r) => r.tool === c.tool && r.stepId === c.stepId && r.happened)) continue;
        facts.resolved.push(await resolveInDoubt(h, waymark, run.id, c, reference));
      }
      if (Date.now() > deadline) {
        facts.unfinished = `still ${view.phase} after ${(h.options.runTimeoutMs ?? 60_000) / 1000} s${pendingHint(await readWaits(waymark.pool, run.id), h)}`;
        break;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const view = await caller.runs.get(run.id);
    return {
      ...facts,
      status: view.status,
      output: view.output,
      error: view.error,
      tables: await readBusinessTables(waymark.pool),
      check: h.options.check ? await runCheckQuery(waymark.pool, h.options.check) : undefined,
      ledger: await readLedger(waymark.pool, run.id),
      points: readPoints(logFile),
      http: h.recorder.take(run.id),
    };
  } finally {
    if (child) await child.kill();
    await waymark.stop();
    await dropScratchDatabase(h.serverUrl, name).catch(() => {});
  }
}

function pendingHint(waits: OpenWait[], h: Harness): string {
  const open = waits.filter((w) => w.open);
  if (!open.length) return '';
  return `; waiting for ${open.map((w) => (w.kind === 'approval' ? `approval ${w.id}` : `event ${w.type} ${w.key}${eventData(h, w) === undefined ? ' (pass its data with --event)' : ''}`)).join(', ')}`;
}

function countWaitsBefore(points: ReachedPoint[], seq: number): number {
  // Sleeps are waits nobody answers; each other topic is one approval or event wait.
  return new Set(points.filter((p) => p.kind === 'wait' && p.seq < seq && !p.name.startsWith('waymark.sleep')).map((p) => p.name)).size;
}

function eventData(h: Harness, w: OpenWait): { found: true; data: unknown; source: string } | undefined {
  const events = h.options.events ?? {};
  if (w.source && `${w.source}:${w.type}` in events) return { found: true, data: events[`${w.source}:${w.type}`], source: w.source };
  if (!w.source && w.type !== null && w.type in events) return { found: true, data: events[w.type], source: EVENT_SOURCE };
  return undefined;
}

async function answerWait(h: Harness, waymark: WaymarkServer, w: OpenWait): Promise<boolean> {
  const caller = waymark.as({ actor: 'crash-test' });
  if (w.kind === 'approval') {
    await caller.approvals.decide(w.id, { decision: h.options.approvals === 'reject' ? 'reject' : 'approve' });
    return true;
  }
  const found = eventData(h, w);
  if (!found) return false;
  const body = JSON.stringify({ id: `crash-test-${w.id}`, type: w.type, key: w.key, data: found.data });
  await caller.events.ingest(found.source, Buffer.from(body), signWebhook(h.secret, body));
  return true;
}

async function resolveInDoubt(h: Harness, waymark: WaymarkServer, runId: string, c: LedgerCall, reference: RunFacts | undefined): Promise<RunFacts['resolved'][number]> {
  const before = reference?.ledger.find((r) => r.tool === c.tool && r.stepId === c.stepId);
  const happened = h.options.inDoubt !== 'not-happened' && before?.result !== undefined && before.result !== null;
  await waymark.as({ actor: 'crash-test' }).toolCalls.resolve(runId, c.key, {
    happened, output: happened ? before.result : undefined, comment: 'resolved by waymark crash-test',
  });
  return { tool: c.tool, stepId: c.stepId, happened };
}

function readPoints(file: string): ReachedPoint[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ReachedPoint);
}

interface Worker {
  exit: number | NodeJS.Signals | null | undefined;
  output(): string;
  /** Connects the loaded worker to its database and run. */
  start(msg: CrashWorkerStart): void;
  kill(): Promise<void>;
}

/** The loader flags of this process (e.g. tsx's), so the worker can load the same kind of module. */
function loaderArgs(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (/^--(import|require|loader|experimental-loader)$/.test(a) && argv[i + 1]) out.push(a, argv[++i]!);
    else if (/^--(import|require|loader|experimental-loader)=/.test(a)) out.push(a);
  }
  return out;
}

/**
 * Worker processes spawned ahead of need: loading the application's modules takes seconds, so
 * the next worker loads while the current run goes on.
 */
class WarmWorkers {
  readonly #spares: Worker[] = [];
  #closed = false;
  constructor(private readonly h: { options: CrashTestOptions }, private readonly spares: number) {}

  /** A loaded (or loading) worker; spares start loading at once. */
  take(): Worker {
    if (this.#closed) throw new WaymarkError('crash_test_closed', 'the crash test has finished');
    const w = this.#spares.shift() ?? this.#spawn();
    while (this.#spares.length < this.spares) this.#spares.push(this.#spawn());
    return w;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#spares.splice(0).map((w) => w.kill()));
  }

  #spawn(): Worker {
    const here = fileURLToPath(import.meta.url);
    const entry = path.join(path.dirname(here), `worker${path.extname(here)}`);
    const child: ChildProcess = spawn(process.execPath, [...loaderArgs(), entry, this.h.options.workflowsModule], {
      env: { ...process.env, ...this.h.options.env, WAYMARK_APP_VERSION: APP_VERSION, WAYMARK_DB_POOL_SIZE: '4', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin?.on('error', () => {}); // a worker that died before its start line
    const w: Worker = {
      exit: undefined,
      output: () => out,
      start: (msg) => child.stdin?.end(`${JSON.stringify(msg)}\n`),
      kill: async () => {},
    };
    const exited = new Promise<void>((resolve) => child.on('exit', (code, sig) => {
      w.exit = code ?? sig;
      resolve();
    }));
    w.kill = async () => {
      if (w.exit === undefined) child.kill('SIGKILL');
      await exited;
    };
    return w;
  }
}
