/**
 * The error catalogue and error normalisation.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES, NotFoundError, ValidationError, WaymarkError, ensureError } from '../../src/errors.js';

test('every error takes its HTTP status from the catalogue', () => {
  assert.equal(new WaymarkError('run_not_found', 'x').status, 404);
  assert.equal(new WaymarkError('idempotency_key_reused', 'x').status, 409);
  assert.equal(new WaymarkError('database_unavailable', 'x').status, 503);
  assert.equal(new WaymarkError('some_tool_code', 'x').status, 500, 'a code outside the catalogue is a server error');
  assert.equal(new NotFoundError('approval_not_found', 'x').status, 404);
  assert.equal(new ValidationError('x').code, 'validation_failed');
});

test('docs/errors.md lists exactly the catalogue, with the same statuses', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]));
  assert.deepEqual([...rows.keys()].sort(), Object.keys(ERROR_CODES).sort());
  for (const [code, { status }] of Object.entries(ERROR_CODES)) assert.equal(rows.get(code), status, code);
});

test('ensureError is safe on any thrown value', () => {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  assert.match(ensureError(circular).message, /"a":1.*\[circular\]/);
  assert.equal(ensureError('plain').message, 'plain');
  assert.equal(ensureError(10n).message, '10n');
  assert.equal(ensureError(undefined).message, 'undefined');
  const hostile = { toJSON() { throw new Error('no'); }, toString() { throw new Error('no'); } };
  assert.equal(ensureError(hostile).message, 'a thrown object');
  const e = new Error('kept');
  assert.equal(ensureError(e), e);
  assert.equal(ensureError(circular).cause, circular, 'the original value is kept as the cause');
});
