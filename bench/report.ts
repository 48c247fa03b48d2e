/**
 * Turns measurements into the printed tables and the goal verdicts. Per-operation costs:
 * queries and driver transactions are exact counts (for steps: those issued from the measured
 * workflow; for chains: everything on the benchmark database); pg_stat transactions and WAL
 * bytes are window deltas minus the idle background rate (for steps and inserts) or gross
 * (for chains, whose queue polling is part of the cost).
 */
import type { Measurement } from './scenarios.js';
import type { Background } from './pgstats.js';

/** Costs of one operation. */
export interface PerOp {
  queries: number;
  driverTx: number;
  xacts: number;
  walBytes: number;
}

/** Per-op costs of a step probe or insert loop: watched counts, server figures net of background. */
export function perOpWatched(m: Measurement, bg: Background): PerOp {
  const d = m.delta;
  return {
    queries: d.driver.watchedQueries / m.ops,
    driverTx: d.driver.watchedTransactions / m.ops,
    xacts: (d.xacts - bg.xactsPerMs * d.ms) / m.ops,
    walBytes: (d.walBytes - bg.walBytesPerMs * d.ms) / m.ops,
  };
}

/** Per-step costs of a chain measurement: everything on the database, gross. */
export function perStepGross(m: Measurement, steps: number): PerOp {
  const d = m.delta;
  const n = m.ops * steps;
  return { queries: d.driver.queries / n, driverTx: d.driver.transactions / n, xacts: d.xacts / n, walBytes: d.walBytes / n };
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

/** Formats a number with `digits` decimals (thousands unseparated, for copy-paste). */
export function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** Like {@link fmt}, with an explicit sign. */
export function signed(n: number, digits = 2): string {
  const s = fmt(n, digits);
  return n >= 0 && Number.isFinite(n) ? `+${s}` : s;
}

/**
 * A plain-text table (markdown pipe syntax, so it pastes into RESULTS.md). The first column is
 * left-aligned and the others right-aligned, unless `align` says otherwise per column.
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const left = (i: number): boolean => (align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'l';
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (left(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (left(i) ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** Statement breakdown: one column of counts per measurement, divided by `per` each. */
export function statementTable(
  columns: readonly { title: string; statements: Map<string, number> | undefined; per: number }[],
  limit = 40,
): string {
  const keys = new Map<string, number>();
  for (const c of columns) for (const [k, v] of c.statements ?? []) keys.set(k, (keys.get(k) ?? 0) + v / c.per);
  const ordered = [...keys.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([k]) => k);
  const rows = ordered.map((k) => [
    `\`${k.replace(/\|/g, '\\|')}\``,
    ...columns.map((c) => fmt((c.statements?.get(k) ?? 0) / c.per, 2)),
  ]);
  rows.push(['**total**', ...columns.map((c) => fmt([...(c.statements?.values() ?? [])].reduce((a, b) => a + b, 0) / c.per, 2))]);
  return table(['statement', ...columns.map((c) => c.title)], rows);
}

/** A goal and whether it was met. */
export interface Verdict {
  goal: string;
  met: boolean;
  detail: string;
}

export function verdictLines(verdicts: readonly Verdict[]): string {
  return verdicts.map((v) => `- [${v.met ? 'MET' : 'NOT MET'}] ${v.goal} — ${v.detail}`).join('\n');
}
