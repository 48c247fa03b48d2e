/**
 * @module durations
 * Durations as people write them: `'30s'`, `'15m'`, `'3d'`, `'1.5h'`, `'250ms'`, or a number of
 * milliseconds. Every option that takes a time span accepts either.
 */
import { WaymarkError } from './errors.js';

/** A time span: milliseconds, or a number with a unit (`ms`, `s`, `m`, `h`, `d`, `w`). */
export type Duration = number | `${number}${DurationUnit}`;
/** The units a {@link Duration} string may end in. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w';

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;

/**
 * The duration in whole milliseconds; throws `invalid_duration` for anything else (negative,
 * not finite, an unknown unit).
 *
 * @example
 * ```ts
 * toMs('3d'); // 259200000
 * toMs(1500); // 1500
 * ```
 */
export function toMs(d: Duration, what = 'duration'): number {
  let ms: number;
  if (typeof d === 'number') ms = d;
  else {
    const m = PATTERN.exec(typeof d === 'string' ? d.trim() : '');
    if (!m) throw new WaymarkError('invalid_duration', `${what} '${String(d)}' is not a duration: use milliseconds or e.g. '30s', '15m', '3d'`);
    ms = Number(m[1]) * UNIT_MS[m[2] as DurationUnit];
  }
  if (!Number.isFinite(ms) || ms < 0) throw new WaymarkError('invalid_duration', `${what} must be a finite, non-negative duration (got ${String(d)})`);
  return Math.round(ms);
}
