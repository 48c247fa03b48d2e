/**
 * Which tool failures are retried and how long to wait: capped exponential backoff with full
 * jitter, with a provider's Retry-After as a floor.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NonRetryableError, RetryableError, ValidationError, WaymarkError } from '../../src/errors.js';
import { retryAfterMs } from '../../src/agent/http-tool.js';
import { backoffMs, classifyError } from '../../src/agent/retry-policy.js';

const policy = { maxAttempts: 8, initialDelayMs: 1_000, maxDelayMs: 30_000 };
const lowest = () => 0;
const highest = () => 0.999_999;

test('the wait after attempt n lies in [0, initial * 2^(n-1)), capped at maxDelayMs', () => {
  const caps = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000];
  caps.forEach((cap, i) => {
    const attempt = i + 1;
    assert.equal(backoffMs(policy, attempt, undefined, lowest), 0, `attempt ${attempt}: lowest`);
    const top = backoffMs(policy, attempt, undefined, highest);
    assert.ok(top < cap && top >= cap - 1, `attempt ${attempt}: ${top} just under ${cap}`);
    assert.equal(backoffMs(policy, attempt, undefined, () => 0.5), cap / 2, `attempt ${attempt}: half`);
  });
});

test('a huge attempt number still waits at most maxDelayMs', () => {
  assert.ok(backoffMs(policy, 10_000, undefined, highest) < policy.maxDelayMs);
});

test('attempt 0 (or less) waits like attempt 1', () => {
  assert.equal(backoffMs(policy, 0, undefined, () => 0.5), 500);
  assert.equal(backoffMs(policy, -3, undefined, () => 0.5), 500);
});

test('Retry-After is a floor: never wait less, even above maxDelayMs', () => {
  assert.equal(backoffMs(policy, 1, 5_000, lowest), 5_000);
  assert.equal(backoffMs(policy, 6, 5_000, highest), 29_999);
  assert.equal(backoffMs(policy, 1, 120_000, highest), 120_000);
  assert.equal(backoffMs(policy, 2, 0, () => 0.5), 1_000);
});

test('the jitter spreads waits over the whole window', () => {
  const waits = new Set(Array.from({ length: 200 }, () => backoffMs(policy, 4)));
  assert.ok([...waits].every((w) => w >= 0 && w < 8_000));
  assert.ok(waits.size > 50, `only ${waits.size} distinct waits in 200 draws`);
});

test('a NonRetryableError is permanent and keeps its code', () => {
  assert.deepEqual(classifyError(new NonRetryableError('card declined', { code: 'card_declined' })), {
    name: 'NonRetryableError', message: 'card declined', code: 'card_declined', retryable: false,
  });
  assert.equal(classifyError(new NonRetryableError('bad')).code, 'non_retryable');
});

test('a RetryableError is transient and carries its Retry-After only when it has one', () => {
  assert.deepEqual(classifyError(new RetryableError('slow down', { retryAfterMs: 3_000 })), {
    name: 'RetryableError', message: 'slow down', code: 'retryable', retryable: true, retryAfterMs: 3_000,
  });
  assert.equal('retryAfterMs' in classifyError(new RetryableError('blip')), false);
});

test('any other error, or a thrown non-error, is transient', () => {
  assert.deepEqual(classifyError(new ValidationError('nope')), { name: 'ValidationError', message: 'nope', code: 'validation_failed', retryable: true });
  assert.equal(classifyError(new WaymarkError('x', 'y')).retryable, true);
  assert.deepEqual(classifyError(new TypeError('fetch failed')), { name: 'TypeError', message: 'fetch failed', retryable: true });
  assert.deepEqual(classifyError('boom'), { name: 'Error', message: 'boom', retryable: true });
  assert.deepEqual(classifyError({ status: 503 }), { name: 'Error', message: '{"status":503}', retryable: true });
});

test('Retry-After in seconds becomes milliseconds', () => {
  assert.equal(retryAfterMs('3'), 3_000);
  assert.equal(retryAfterMs('0'), 0);
  assert.equal(retryAfterMs('120'), 120_000);
});

test('Retry-After as an HTTP date is the time left until then, and never negative', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:27:55 GMT');
  assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', now), 5_000);
  assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:27:00 GMT', now), 0);
});

test('an absent or unreadable Retry-After gives no floor, and a negative one no wait', () => {
  assert.equal(retryAfterMs(null), undefined);
  assert.equal(retryAfterMs(''), undefined);
  assert.equal(retryAfterMs('soon'), undefined);
  const negative = retryAfterMs('-1');
  assert.ok(negative === undefined || negative === 0, `waits ${negative} ms`);
});
