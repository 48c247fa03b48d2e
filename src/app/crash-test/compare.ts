/**
 * @module app/crash-test/compare
 * Pure rules of `waymark crash-test`: what one run left behind (its facts), and how a crashed
 * run's facts are judged against the uninterrupted reference. A problem is evidence that a crash
 * changed the outcome (not finished, another output, other business rows or check result, a
 * non-idempotent tool reached twice, an HTTP request without an idempotency key sent more often,
 * a transaction committed twice); a risk is something that
 * is harmless only if the code is (a plain step that ran again after the crash).
 */
import type { CrashPoint } from '../../runtime/crash-probe.js';
import type { LedgerCall, TableRows } from '../../store/crash-test.js';
import type { HttpRecord } from './http-recorder.js';
import type { ReachedPoint } from './probe.js';

/** What one run (uninterrupted or crashed) left behind. */
export interface RunFacts {
  runId: string;
  status: string;
  /** The run's output, with its run id replaced by `<run>`. */
  output: unknown;
  error: unknown;
  tables: Record<string, TableRows>;
  check: unknown[] | undefined;
  ledger: LedgerCall[];
  points: ReachedPoint[];
  /** HTTP requests (not GET/HEAD/OPTIONS) the worker processes sent through `fetch`. */
  http: HttpRecord[];
  /** Worker processes the run needed (1 uninterrupted, 2 after a crash). */
  workers: number;
  /** The planned kill happened. */
  killed: boolean;
  /** In-doubt tool calls the harness resolved, and how. */
  resolved: { tool: string; stepId: number; happened: boolean }[];
  /** Approvals and event waits the harness answered. */
  answered: string[];
  /** Why the run did not finish, when it did not. */
  unfinished?: string;
}

/** One boundary a crash test kills the worker at. */
export interface Boundary extends CrashPoint {
  /** Sequence number of the point in the uninterrupted run. */
  seq: number;
}

/** What happened when the worker was killed at one boundary. */
export interface BoundaryResult {
  boundary: Boundary;
  label: string;
  /** The worker was killed there (false: the run never reached it a second time). */
  killed: boolean;
  completed: boolean;
  sameOutput: boolean | null;
  /** Business tables whose rows differ from the reference. */
  tablesDiffer: string[];
  sameCheck: boolean | null;
  checkValue?: unknown;
  /** Non-idempotent tool calls that reached the tool more often than in the reference. */
  duplicateToolEffects: { tool: string; stepId: number; attempts: number; reference: number }[];
  /**
   * HTTP requests (same method, origin and path, and body) sent more often than in the reference,
   * counting repeats with the same `Idempotency-Key` once; those of a tool already in
   * `duplicateToolEffects` are left out.
   */
  duplicateHttpRequests: { method: string; url: string; sent: number; reference: number }[];
  /** Tool calls that were in doubt after the crash, and how the harness resolved them. */
  inDoubt: { tool: string; stepId: number; happened: boolean }[];
  /** Plain steps whose body ran more than once. */
  reranSteps: string[];
  problems: string[];
  risks: string[];
  durationMs: number;
}

/**
 * A readable name for a boundary.
 *
 * @example
 * ```ts
 * boundaryLabel({ seq: 3, kind: 'after-effect', category: 'transaction', name: 'store', stepId: 5 });
 * // 'after commit, before checkpoint: transaction store (step 5)'
 * ```
 */
export function boundaryLabel(b: Boundary): string {
  const what = b.category === 'wait' ? `wait ${b.name}` : `${b.category === 'step' ? 'step' : b.category} ${b.name}${b.stepId === undefined ? '' : ` (step ${b.stepId})`}`;
  switch (b.kind) {
    case 'before':
      return `before ${what}`;
    case 'after-effect':
      return b.category === 'transaction' ? `after commit, before checkpoint: ${what}`
        : b.category === 'tool' ? `after the tool acted, before the ledger: ${what}`
        : `after effect, before checkpoint: ${what}`;
    case 'after-checkpoint':
      return `after checkpoint: ${what}`;
    case 'wait':
      return `during ${what}`;
  }
}

/** `value` as canonical text with the run's id replaced, for comparisons across runs. */
export function normalise(value: unknown, runId: string): string {
  return canonical(value).split(runId).join('<run>');
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

/**
 * Columns whose values differ between two uninterrupted runs (generated ids, random values):
 * they are left out when business rows are compared.
 */
export function volatileColumns(a: RunFacts, b: RunFacts): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const table of new Set([...Object.keys(a.tables), ...Object.keys(b.tables)])) {
    const ra = a.tables[table] ?? [];
    const rb = b.tables[table] ?? [];
    const cols = new Set([...ra, ...rb].flatMap((r) => Object.keys(r)));
    const changing = new Set<string>();
    for (const c of cols) {
      const va = ra.map((r) => normalise(r[c], a.runId)).sort().join('\n');
      const vb = rb.map((r) => normalise(r[c], b.runId)).sort().join('\n');
      if (va !== vb) changing.add(c);
    }
    if (changing.size) out.set(table, changing);
  }
  return out;
}

function tableText(rows: TableRows, runId: string, skip: Set<string> | undefined): string {
  return rows
    .map((r) => normalise(Object.fromEntries(Object.entries(r).filter(([k]) => !skip?.has(k))), runId))
    .sort()
    .join('\n');
}

/** What judging needs from the two uninterrupted runs. */
export interface Reference {
  facts: RunFacts;
  /** The output is the same in both uninterrupted runs (else it is not compared). */
  outputStable: boolean;
  volatile: Map<string, Set<string>>;
}

/**
 * Judges a crashed run against the reference.
 *
 * @example
 * ```ts
 * const result = judge(reference, boundary, facts, 1200);
 * if (result.problems.length) process.exitCode = 1;
 * ```
 */
export function judge(ref: Reference, boundary: Boundary, f: RunFacts, durationMs: number): BoundaryResult {
  const problems: string[] = [];
  const risks: string[] = [];
  const completed = f.status === 'SUCCESS';
  if (!completed) problems.push(`the run did not complete: ${f.unfinished ?? `status ${f.status}`}`);
  const sameOutput = !completed || !ref.outputStable ? null : normalise(f.output, f.runId) === normalise(ref.facts.output, ref.facts.runId);
  if (sameOutput === false) problems.push('the output differs from the uninterrupted run');

  const tablesDiffer: string[] = [];
  for (const table of new Set([...Object.keys(ref.facts.tables), ...Object.keys(f.tables)])) {
    const skip = ref.volatile.get(table);
    const rows = f.tables[table] ?? [];
    const refRows = ref.facts.tables[table] ?? [];
    if (tableText(rows, f.runId, skip) === tableText(refRows, ref.facts.runId, skip)) continue;
    tablesDiffer.push(table);
    problems.push(rows.length === refRows.length
      ? `business rows in ${table} differ from the uninterrupted run`
      : `${table} has ${rows.length} rows, the uninterrupted run left ${refRows.length}`);
  }

  let sameCheck: boolean | null = null;
  if (ref.facts.check !== undefined && f.check !== undefined) {
    sameCheck = normalise(f.check, f.runId) === normalise(ref.facts.check, ref.facts.runId);
    if (!sameCheck) problems.push(`the check query returned ${JSON.stringify(f.check)}, the uninterrupted run ${JSON.stringify(ref.facts.check)}`);
  }

  const duplicateToolEffects: BoundaryResult['duplicateToolEffects'] = [];
  for (const call of f.ledger) {
    const before = ref.facts.ledger.find((c) => c.tool === call.tool && c.stepId === call.stepId);
    const reference = before?.attempts ?? 0;
    if (call.attempts <= reference || call.effect !== 'write') continue;
    if (call.idempotent) continue; // repeated with the same idempotency key: the provider de-duplicates
    duplicateToolEffects.push({ tool: call.tool, stepId: call.stepId, attempts: call.attempts, reference });
    problems.push(`tool ${call.tool} (step ${call.stepId}) is not idempotent and was called ${call.attempts} times, ${reference} in the uninterrupted run`);
  }
  const duplicateHttpRequests = duplicateRequests(ref.facts, f, new Set(duplicateToolEffects.map((d) => d.stepId)));
  for (const d of duplicateHttpRequests) problems.push(`HTTP ${d.method} ${d.url} sent ${d.sent} times, ${d.reference} in the uninterrupted run`);
  const inDoubt = f.resolved.map((r) => ({ ...r }));

  const ran = new Map<string, number>();
  const commits = new Map<string, number>();
  for (const p of f.points) {
    const id = `${p.name} (step ${p.stepId ?? '?'})`;
    // Killed before its body: that execution never ran.
    if (p.kind === 'before' && p.category === 'step' && !p.kill) ran.set(id, (ran.get(id) ?? 0) + 1);
    if (p.kind === 'after-effect' && p.category === 'transaction') commits.set(id, (commits.get(id) ?? 0) + 1);
  }
  const reranSteps = [...ran].filter(([, n]) => n > 1).map(([id]) => id);
  for (const [id, n] of commits) if (n > 1) problems.push(`transaction ${id} committed ${n} times`);
  if (reranSteps.length) {
    const changed = tablesDiffer.length > 0 || sameCheck === false;
    const text = `plain step ${reranSteps.join(', ')} ran again after the crash`;
    if (changed) problems.push(`${text}: a side effect outside db.transaction and tools is not protected (move it into a transaction or a tool)`);
    else risks.push(`${text}; harmless only if it has no side effects`);
  }
  if (!f.killed) risks.push('the run never reached this boundary again (is the workflow deterministic?)');
  return {
    boundary, label: boundaryLabel(boundary), killed: f.killed, completed, sameOutput, tablesDiffer, sameCheck,
    ...(f.check !== undefined ? { checkValue: f.check } : {}),
    duplicateToolEffects, duplicateHttpRequests, inDoubt, reranSteps, problems, risks, durationMs,
  };
}

/** Sends per (method, URL, body): a repeat with an idempotency key already seen is not counted. */
function countRequests(facts: RunFacts): Map<string, { method: string; url: string; sent: number; steps: Set<number | null> }> {
  const out = new Map<string, { method: string; url: string; sent: number; steps: Set<number | null>; keys: Set<string> }>();
  for (const r of facts.http) {
    const url = r.url.split(facts.runId).join('<run>');
    const id = `${r.method} ${url} ${r.bodyHash ?? '-'}`;
    const g = out.get(id) ?? { method: r.method, url: r.url, sent: 0, steps: new Set(), keys: new Set() };
    out.set(id, g);
    g.steps.add(r.stepId);
    if (r.idempotencyKey !== null) {
      if (g.keys.has(r.idempotencyKey)) continue;
      g.keys.add(r.idempotencyKey);
    }
    g.sent++;
  }
  return out;
}

function duplicateRequests(ref: RunFacts, f: RunFacts, toolSteps: Set<number>): BoundaryResult['duplicateHttpRequests'] {
  const before = countRequests(ref);
  const out: BoundaryResult['duplicateHttpRequests'] = [];
  for (const [id, g] of countRequests(f)) {
    const reference = before.get(id)?.sent ?? 0;
    // Once is never a duplicate (a body that differs per run has no counterpart in the reference).
    if (g.sent <= Math.max(reference, 1)) continue;
    if ([...g.steps].some((s) => s !== null && toolSteps.has(s))) continue; // reported as a tool's duplicate
    out.push({ method: g.method, url: g.url, sent: g.sent, reference });
  }
  return out;
}
