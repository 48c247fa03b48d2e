/**
 * Listing cursors: what the API hands out comes back intact; anything else is refused as
 * `invalid_cursor` before it reaches a query.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../../src/errors.js';
import { decodeCursor, encodeCursor } from '../../src/service/cursor.js';

const refused = (e: unknown): boolean => {
  assert.ok(e instanceof ValidationError, `expected a ValidationError, got ${String(e)}`);
  assert.equal(e.code, 'invalid_cursor');
  assert.equal(e.status, 422);
  return true;
};

test('a cursor decodes to the position it was made from, and is URL-safe', () => {
  for (const createdKey of ['2024-05-01 12:00:00.123456+00', '2024-05-01 12:00:00+02', '2024-12-31 23:59:59.5-03:30']) {
    const cursor = encodeCursor(createdKey, 'run/1?x=y');
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(cursor), { createdKey, id: 'run/1?x=y' });
  }
});

test('garbage, a wrong shape, or a timestamp that is not Postgres\'s text is refused', () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  for (const bad of [
    '', 'not a cursor', '%%%', b64({ createdKey: '2024-05-01 12:00:00+00', id: 'r' }), b64(['2024-05-01 12:00:00+00']),
    b64(['2024-05-01 12:00:00+00', 42]), b64(['2024-05-01T12:00:00Z', 'r']), b64(["2024-05-01 12:00:00+00'; DROP TABLE runs; --", 'r']),
    b64(['yesterday', 'r']),
  ]) {
    assert.throws(() => decodeCursor(bad), refused, `cursor ${JSON.stringify(bad)}`);
  }
});

test('ids up to 300 characters pass; a longer one is refused', () => {
  const at = '2024-05-01 12:00:00+00';
  assert.equal(decodeCursor(encodeCursor(at, 'x'.repeat(300))).id.length, 300);
  assert.throws(() => decodeCursor(encodeCursor(at, 'x'.repeat(301))), refused);
});
