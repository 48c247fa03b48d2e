/**
 * @module app/crash-test/format
 * The crash-test report as a table for people (the JSON form is the report itself).
 */
import type { CrashTestReport } from './harness.js';

/**
 * One row per boundary: whether the run completed, whether its output, business rows and check
 * query matched the uninterrupted run, tool calls and HTTP requests that were duplicated, tool
 * calls in doubt; then every
 * problem and risk in words.
 *
 * @example
 * ```ts
 * console.log(formatCrashTestReport(await crashTest(options)));
 * ```
 */
export function formatCrashTestReport(r: CrashTestReport): string {
  const same = (v: boolean | null): string => (v === null ? '-' : v ? 'same' : 'DIFFERS');
  const head = ['#', 'BOUNDARY', 'DONE', 'OUTPUT', 'ROWS', 'CHECK', 'DUP TOOLS', 'DUP HTTP', 'IN DOUBT', 'VERDICT'];
  const rows = r.boundaries.map((b, i) => [
    String(i + 1),
    b.label,
    b.completed ? 'yes' : 'NO',
    same(b.sameOutput),
    b.tablesDiffer.length ? 'DIFFER' : 'same',
    same(b.sameCheck),
    b.duplicateToolEffects.length ? String(b.duplicateToolEffects.length) : '-',
    b.duplicateHttpRequests.length ? String(b.duplicateHttpRequests.length) : '-',
    b.inDoubt.length ? b.inDoubt.map((d) => (d.happened ? 'happened' : 'not-happened')).join(',') : '-',
    b.problems.length ? 'PROBLEM' : b.risks.length ? 'risk' : 'ok',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const lines = [head, ...rows].map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  lines.push('');
  for (const [i, b] of r.boundaries.entries()) {
    for (const p of b.problems) lines.push(`#${i + 1} problem: ${p}`);
    for (const p of b.risks) lines.push(`#${i + 1} risk: ${p}`);
  }
  const verdict = r.ok
    ? `no problem found at ${r.boundaries.length} boundaries${r.risks ? ` (${r.risks} with a risk to review)` : ''}`
    : `${r.problems} of ${r.boundaries.length} boundaries have a problem`;
  lines.push(`${r.workflow}: ${verdict} (${(r.durationMs / 1000).toFixed(1)} s)`);
  return lines.join('\n');
}
