/**
 * Tool-call idempotency keys (stable across retries and forks), fork ids, and redaction of
 * secret fields before they are stored.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { REDACTED, forkRunId, originRunId, redact, toolCallKey } from '../../src/agent/tool-keys.js';
import { canonicalJson } from '../../src/canonical-json.js';
import { InstallationKeys } from '../../src/installation-keys.js';

const keys = new InstallationKeys('unit-test-installation-secret-0123456789');

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
  assert.equal(toolCallKey(keys, 'email.send', input, forkRunId('run-1', 'f1')), toolCallKey(keys, 'email.send', input, 'run-1'));
  assert.notEqual(toolCallKey(keys, 'email.send', input, 'run-2'), toolCallKey(keys, 'email.send', input, 'run-1'));
});

test('the key depends on the arguments, not on their key order', () => {
  const key = toolCallKey(keys, 'email.send', { to: 'a@b.c', subject: 'Hi' }, 'run-1');
  assert.match(key, /^run:run-1:email\.send:[0-9a-f]{32}$/);
  assert.equal(toolCallKey(keys, 'email.send', { subject: 'Hi', to: 'a@b.c' }, 'run-1'), key);
  assert.notEqual(toolCallKey(keys, 'email.send', { to: 'a@b.c', subject: 'Hello' }, 'run-1'), key);
  assert.notEqual(toolCallKey(keys, 'email.other', { to: 'a@b.c', subject: 'Hi' }, 'run-1'), key);
});

test('the key is an HMAC under the installation secret: not the plain SHA-256 of the arguments, and another installation gets another key', () => {
  const input = { to: 'a@b.c', apiKey: 'sk-live-123' };
  const key = toolCallKey(keys, 'email.send', input, 'run-1');
  const plain = createHash('sha256').update(canonicalJson(input)).digest('hex').slice(0, 32);
  assert.ok(!key.endsWith(plain));
  assert.notEqual(toolCallKey(new InstallationKeys('another-installation-secret-0123456789'), 'email.send', input, 'run-1'), key);
  assert.equal(toolCallKey(new InstallationKeys('unit-test-installation-secret-0123456789'), 'email.send', input, 'run-1'), key, 'the same secret, the same key');
});

test('a business key is the same in every run and ignores the arguments', () => {
  const a = toolCallKey(keys, 'payment.pay', { invoice: 'I-9', amount: 10 }, 'run-1', 'invoice:I-9');
  const b = toolCallKey(keys, 'payment.pay', { invoice: 'I-9', amount: 11 }, 'run-2', 'invoice:I-9');
  assert.equal(a, 'payment.pay:invoice:I-9');
  assert.equal(b, a);
  assert.notEqual(toolCallKey(keys, 'refund.pay', {}, 'run-1', 'invoice:I-9'), a);
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
