/**
 * The scrubbing of secrets from text, errors and logged objects (src/redact.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDACTED, registerSecret, registerSecretUrl, scrubDeep, scrubError, scrubText } from '../../src/redact.js';

test('bearer and basic credentials, labelled credentials and token shapes are scrubbed', () => {
  const token = 'tok_9f8e7d6c5b4a3928';
  assert.equal(scrubText(`401 Unauthorized: "Bearer ${token}" is not valid`), `401 Unauthorized: "Bearer ${REDACTED}" is not valid`);
  assert.equal(scrubText('Authorization: Basic dXNlcjpwYXNz'), `Authorization: Basic ${REDACTED}`);
  assert.equal(scrubText('header basic dXNlcjpwYXNzd29yZA=='), `header basic ${REDACTED}`);
  assert.equal(scrubText('{"error":"bad key","api_key":"abc123def456"}'), `{"error":"bad key","api_key":"${REDACTED}"}`);
  assert.equal(scrubText('GET /x?access_token=abcdef123456&page=2'), `GET /x?access_token=${REDACTED}&page=2`);
  assert.equal(scrubText('password=hunter2 user=ada'), `password=${REDACTED} user=ada`);
  assert.equal(scrubText('key sk-live-abcdefgh12345678 leaked'), `key ${REDACTED} leaked`);
  assert.equal(scrubText('jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc'), `jwt ${REDACTED}`);
  assert.equal(scrubText('ghp_abcdefghijklmnopqrstuvwxyz0123'), REDACTED);
});

test('ordinary text is left alone', () => {
  for (const text of ['Tool crm.lookup failed: basic validation failed', 'token expired', 'POST https://api.example/v1/charges answered 500', 'the bearer of bad news']) {
    assert.equal(scrubText(text), text);
  }
});

test('URL user-info is scrubbed', () => {
  assert.equal(scrubText('connect postgresql://admin:s3cret@db.internal:5432/app failed'), `connect postgresql://${REDACTED}@db.internal:5432/app failed`);
});

test('registered values and secret URLs are scrubbed in every spelling; short values are ignored', () => {
  registerSecret('correct-horse-battery');
  registerSecret('abc');
  assert.equal(scrubText('the input was correct-horse-battery'), `the input was ${REDACTED}`);
  assert.equal(scrubText('abc'), 'abc');
  registerSecret('quote"d-secret');
  assert.equal(scrubText(JSON.stringify({ v: 'quote"d-secret' })), `{"v":"${REDACTED}"}`);
  registerSecretUrl('https://hooks.example/services/T0001/B0002/XYZsecretpath?sig=1');
  assert.equal(
    scrubText('POST https://hooks.example/services/T0001/B0002/XYZsecretpath?sig=1 failed: fetch failed'),
    `POST https://hooks.example/${REDACTED} failed: fetch failed`,
  );
  assert.equal(scrubText('POST https://hooks.example/services/T0001/B0002/XYZsecretpath answered 404'), `POST https://hooks.example/${REDACTED} answered 404`);
  assert.equal(scrubText('x', ['extra-secret-value']), 'x');
  assert.equal(scrubText('has extra-secret-value', ['extra-secret-value']), `has ${REDACTED}`);
});

test('scrubDeep redacts credential fields at any depth and scrubs strings and errors', () => {
  const out = scrubDeep({
    a: { b: { c: { headers: { authorization: 'Bearer x', Cookie: 'sid=1' }, apiKey: 'k', note: 'Bearer abcdefgh123' } } },
    list: [{ password: 'p' }],
    err: new Error('failed with token=abcdef123456'),
  }) as any;
  assert.deepEqual(out.a.b.c.headers, { authorization: REDACTED, Cookie: REDACTED });
  assert.equal(out.a.b.c.apiKey, REDACTED);
  assert.equal(out.a.b.c.note, `Bearer ${REDACTED}`);
  assert.deepEqual(out.list, [{ password: REDACTED }]);
  assert.equal(out.err.message, `failed with token=${REDACTED}`);
  assert.doesNotMatch(out.err.stack, /abcdef123456/);
  const cyclic: any = { name: 'x' };
  cyclic.self = cyclic;
  assert.deepEqual(scrubDeep(cyclic), { name: 'x', self: '[circular]' });
});

test('scrubError keeps the error object and class, scrubbing message, stack and cause', () => {
  class ProviderError extends Error {
    code = 'provider';
  }
  const cause = new Error('inner Bearer innertoken123');
  const e = new ProviderError('outer Bearer outertoken123', { cause });
  const same = scrubError(e);
  assert.equal(same, e);
  assert.ok(same instanceof ProviderError);
  assert.equal(same.code, 'provider');
  assert.equal(same.message, `outer Bearer ${REDACTED}`);
  assert.doesNotMatch(String(same.stack), /outertoken123/);
  assert.equal(cause.message, `inner Bearer ${REDACTED}`);
  assert.equal(scrubError('plain Bearer plaintoken123').message, `plain Bearer ${REDACTED}`);
});
