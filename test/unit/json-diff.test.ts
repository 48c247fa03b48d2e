/**
 * What a reviewer changed between a proposal and the approved value, and the proposal with
 * their edits applied.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyEdits, jsonDiff } from '../../src/agent/json-diff.js';

test('an unchanged value has no changes, whatever its key order', () => {
  assert.deepEqual(jsonDiff({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } }), []);
  assert.deepEqual(jsonDiff('same', 'same'), []);
});

test('a nested change is one replace at its JSON Pointer, keeping the old value', () => {
  assert.deepEqual(jsonDiff({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 3 } }), [{ op: 'replace', path: '/b/c', from: 2, value: 3 }]);
});

test('added and removed members are reported with the value added or the value removed', () => {
  assert.deepEqual(jsonDiff({ amount: 1000, note: 'x' }, { amount: 1000, payee: 'Smith' }), [
    { op: 'remove', path: '/note', from: 'x' },
    { op: 'add', path: '/payee', value: 'Smith' },
  ]);
});

test('keys holding "/" or "~" are escaped as RFC 6901 says', () => {
  assert.deepEqual(jsonDiff({ 'a/b': 1, 'c~d': 1 }, { 'a/b': 2, 'c~d': 2 }), [
    { op: 'replace', path: '/a~1b', from: 1, value: 2 },
    { op: 'replace', path: '/c~0d', from: 1, value: 2 },
  ]);
});

test('arrays are compared whole: a changed element replaces the array', () => {
  assert.deepEqual(jsonDiff({ lines: [1, 2, 3] }, { lines: [1, 2, 4] }), [{ op: 'replace', path: '/lines', from: [1, 2, 3], value: [1, 2, 4] }]);
});

test('a changed type or top-level value is a replace of the whole, at "/" for the root', () => {
  assert.deepEqual(jsonDiff({ a: { b: 1 } }, { a: [1] }), [{ op: 'replace', path: '/a', from: { b: 1 }, value: [1] }]);
  assert.deepEqual(jsonDiff(1000, 900), [{ op: 'replace', path: '/', from: 1000, value: 900 }]);
  assert.deepEqual(jsonDiff({ a: 1 }, null), [{ op: 'replace', path: '/', from: { a: 1 }, value: null }]);
});

test('edits replace members one level deep and leave the rest of the proposal (which is not mutated)', () => {
  const proposal = { to: 'a@x', body: 'Hi', meta: { tone: 'formal', lang: 'en' } };
  assert.deepEqual(applyEdits(proposal, { body: 'Hello' }), { to: 'a@x', body: 'Hello', meta: { tone: 'formal', lang: 'en' } });
  // A nested object in the edits replaces the proposal's whole member, not one key of it.
  assert.deepEqual(applyEdits(proposal, { meta: { tone: 'warm' } }), { to: 'a@x', body: 'Hi', meta: { tone: 'warm' } });
  assert.deepEqual(proposal, { to: 'a@x', body: 'Hi', meta: { tone: 'formal', lang: 'en' } });
});

test('edits that are not an object, or a proposal that is not, replace the proposal whole', () => {
  assert.equal(applyEdits({ amount: 1000 }, 900), 900);
  assert.deepEqual(applyEdits('draft', { text: 'final' }), { text: 'final' });
  assert.deepEqual(applyEdits([1, 2], [3]), [3]);
});
