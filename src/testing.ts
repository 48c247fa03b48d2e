/**
 * Waymark's testing entry (`waymark/testing`): a controllable clock, so tests of workflows
 * that wait days run in seconds against a real database.
 *
 * @example
 * ```ts
 * import { TestClock } from 'waymark/testing';
 * import { startWaymark } from 'waymark/server';
 *
 * const clock = new TestClock(new Date('2026-01-05T09:00:00Z'));
 * const waymark = await startWaymark({ workflows: [Claims.handle], clock });
 * await clock.advance('3d');
 * ```
 *
 * @packageDocumentation
 */
export { TestClock } from './app/test-clock.js';
export type { Clock } from './runtime/clock.js';
export type { Duration, DurationUnit } from './durations.js';
export { crashTest, type CrashTestOptions, type CrashTestReport } from './app/crash-test/harness.js';
export { formatCrashTestReport } from './app/crash-test/format.js';
export type { Boundary, BoundaryResult } from './app/crash-test/compare.js';
export type { CrashPointCategory, CrashPointKind } from './runtime/crash-probe.js';
