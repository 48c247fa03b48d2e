/**
 * Canonical JSON: one spelling per value, so request and argument hashes do not depend on key
 * order or formatting.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { canonicalHash, canonicalJson } from '../../src/canonical-json.js';

const KEY = 'installation-key-for-tests';

test('keys are sorted at every depth; array order is kept', () => {
  assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }), '{"a":[2,{"c":4,"d":3}],"b":1}');
  assert.equal(canonicalJson([3, 1, 2]), '[3,1,2]');
});

test('the same object written in another key order has the same spelling and hash', () => {
  const one = { payee: 'Garage Smith', amount: 1000, meta: { z: true, a: null } };
  const two = { meta: { a: null, z: true }, amount: 1000, payee: 'Garage Smith' };
  assert.equal(canonicalJson(one), canonicalJson(two));
  assert.equal(canonicalHash(one, KEY), canonicalHash(two, KEY));
  assert.match(canonicalHash(one, KEY), /^[0-9a-f]{64}$/);
});

test('different values hash differently, including a number and its string', () => {
  assert.notEqual(canonicalHash({ amount: 1000 }, KEY), canonicalHash({ amount: 1001 }, KEY));
  assert.notEqual(canonicalHash({ amount: 1000 }, KEY), canonicalHash({ amount: '1000' }, KEY));
  assert.notEqual(canonicalHash([1, 2], KEY), canonicalHash([2, 1], KEY));
});

test('undefined members are dropped like JSON.stringify; undefined in an array becomes null', () => {
  assert.equal(canonicalJson({ a: 1, b: undefined }), '{"a":1}');
  assert.equal(canonicalHash({ a: 1, b: undefined }, KEY), canonicalHash({ a: 1 }, KEY));
  assert.equal(canonicalJson([1, undefined, 3]), '[1,null,3]');
  assert.equal(canonicalJson(undefined), 'null');
});

test('dates, strings needing escapes and non-finite numbers are spelled as JSON.stringify spells them', () => {
  const when = new Date('2024-05-01T12:00:00.000Z');
  assert.equal(canonicalJson({ when }), '{"when":"2024-05-01T12:00:00.000Z"}');
  assert.equal(canonicalJson({ 'quote"key': 'line\nbreak é' }), '{"quote\\"key":"line\\nbreak é"}');
  assert.equal(canonicalJson({ n: Number.NaN, i: Number.POSITIVE_INFINITY }), '{"i":null,"n":null}');
  assert.deepEqual(JSON.parse(canonicalJson({ b: [1, { y: 'x' }], a: 'é' })), { a: 'é', b: [1, { y: 'x' }] });
});

test('keys sort by code unit, so upper case comes before lower case', () => {
  assert.equal(canonicalJson({ b: 1, B: 2, a: 3, '10': 4, '9': 5 }), '{"10":4,"9":5,"B":2,"a":3,"b":1}');
});

test('the hash is keyed: another key gives another hash, and it is not the plain SHA-256 of the spelling', () => {
  const args = { to: 'a@b.c', apiKey: 'sk-live-123' };
  assert.notEqual(canonicalHash(args, KEY), canonicalHash(args, 'another-key'));
  assert.notEqual(canonicalHash(args, KEY), createHash('sha256').update(canonicalJson(args)).digest('hex'));
});
