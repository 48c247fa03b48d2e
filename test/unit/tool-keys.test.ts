/**
 * Tool-call idempotency keys (stable across retries and forks), fork ids, and redaction of
 * secret fields before they are stored.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDACTED, forkRunId, originRunId, redact, toolCallKey } from '../../src/agent/tool-keys.js';

test('a fork id carries its origin run id, also for a fork of a fork', () => {
  const fork = forkRunId('run-1', 'f1');
  assert.equal(fork, 'run-1.fork.f1');
  assert.equal(originRunId(fork), 'run-1');
  const forkOfFork = forkRunId(fork, 'f2');
  assert.equal(forkOfFork, 'run-1.fork.f2');
  assert.equal(originRunId(forkOfFork), 'run-1');
  assert.equal(originRunId('run-1'), 'run-1');
});

test('a call keeps its key in a fork, so a forked run does not repeat its origin\'s side effects', () => {
  const input = { to: 'a@b.c', subject: 'Hi' };
  assert.equal(toolCallKey('email.send', input, forkRunId('run-1', 'f1')), toolCallKey('email.send', input, 'run-1'));
  assert.notEqual(toolCallKey('email.send', input, 'run-2'), toolCallKey('email.send', input, 'run-1'));
});

test('the key depends on the arguments, not on their key order', () => {
  const key = toolCallKey('email.send', { to: 'a@b.c', subject: 'Hi' }, 'run-1');
  assert.match(key, /^run:run-1:email\.send:[0-9a-f]{32}$/);
  assert.equal(toolCallKey('email.send', { subject: 'Hi', to: 'a@b.c' }, 'run-1'), key);
  assert.notEqual(toolCallKey('email.send', { to: 'a@b.c', subject: 'Hello' }, 'run-1'), key);
  assert.notEqual(toolCallKey('email.other', { to: 'a@b.c', subject: 'Hi' }, 'run-1'), key);
});

test('a business key is the same in every run and ignores the arguments', () => {
  const a = toolCallKey('payment.pay', { invoice: 'I-9', amount: 10 }, 'run-1', 'invoice:I-9');
  const b = toolCallKey('payment.pay', { invoice: 'I-9', amount: 11 }, 'run-2', 'invoice:I-9');
  assert.equal(a, 'payment.pay:invoice:I-9');
  assert.equal(b, a);
  assert.notEqual(toolCallKey('refund.pay', {}, 'run-1', 'invoice:I-9'), a);
});

test('redact replaces the named fields, nested and inside arrays, and leaves the original alone', () => {
  const input = { auth: { token: 't', user: 'u' }, cards: [{ number: '4111', name: 'A' }, { number: '5500', name: 'B' }], to: 'x' };
  const out = redact(input, ['auth.token', 'cards.number']);
  assert.deepEqual(out, {
    auth: { token: REDACTED, user: 'u' },
    cards: [{ number: REDACTED, name: 'A' }, { number: REDACTED, name: 'B' }],
    to: 'x',
  });
  assert.equal(input.auth.token, 't');
  assert.equal(input.cards[0]?.number, '4111');
});

test('redact skips paths that are absent and does not add them', () => {
  assert.deepEqual(redact({ a: { b: 1 } }, ['a.c', 'x.y', 'a.b.c']), { a: { b: 1 } });
  assert.deepEqual(redact({ a: null }, ['a.b']), { a: null });
  assert.equal(redact('secret', ['a']), 'secret');
  const value = { a: 1 };
  assert.equal(redact(value, []), value);
});
