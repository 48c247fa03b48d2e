/**
 * Durations as people write them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toMs, type Duration } from '../../src/durations.js';
import { WaymarkError } from '../../src/errors.js';

test('units and plain milliseconds', () => {
  assert.equal(toMs(1500), 1500);
  assert.equal(toMs('250ms'), 250);
  assert.equal(toMs('30s'), 30_000);
  assert.equal(toMs('15m'), 900_000);
  assert.equal(toMs('1.5h'), 5_400_000);
  assert.equal(toMs('3d'), 259_200_000);
  assert.equal(toMs('2w'), 1_209_600_000);
  const spaced: string = ' 5 s';
  assert.equal(toMs(spaced as Duration), 5_000);
});

test('nonsense is refused with invalid_duration, naming what was wrong', () => {
  for (const bad of ['3 days', '-1s', 'd', '', '1y', '1e3s', -5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => toMs(bad as never, 'reminder'), (e: unknown) => e instanceof WaymarkError && e.code === 'invalid_duration' && /reminder/.test(e.message), String(bad));
  }
});
