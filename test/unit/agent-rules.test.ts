/**
 * The agent loop's pure rules: the context window and when to summarise, and loop detection.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summaryDue, windowStart } from '../../src/agent/agent-context.js';
import { LoopDetector } from '../../src/agent/loop-detector.js';

test('the window keeps the last N messages and never starts on a tool result cut from its call', () => {
  assert.equal(windowStart(['user', 'assistant', 'tool', 'assistant'], 10), 0);
  assert.equal(windowStart(['user', 'assistant', 'tool', 'assistant'], 1), 3);
  assert.equal(windowStart(['user', 'assistant', 'tool', 'tool', 'assistant'], 3), 1, 'back over both results to the call');
  assert.equal(windowStart([], 5), 0);
});

test('a summary is due once enough messages fell out of the window since the last one', () => {
  assert.equal(summaryDue(3, 0, 4), false);
  assert.equal(summaryDue(4, 0, 4), true);
  assert.equal(summaryDue(10, 8, 4), false);
});

test('the same call N times trips; other arguments do not; a reset starts afresh', () => {
  const d = new LoopDetector({ sameCall: 3 });
  assert.equal(d.beforeCall('t', { a: 1, b: 2 }), undefined);
  assert.equal(d.beforeCall('t', { a: 2 }), undefined);
  assert.equal(d.beforeCall('t', { b: 2, a: 1 }), undefined, 'argument order does not matter');
  assert.deepEqual(d.beforeCall('t', { a: 1, b: 2 }), { kind: 'same_call', tool: 't', args: { a: 1, b: 2 }, calls: 3 });
  d.reset();
  assert.equal(d.beforeCall('t', { a: 1, b: 2 }), undefined);
});

test('turns without a new result (or with the same answer) trip after K in a row; progress resets the count', () => {
  const d = new LoopDetector({ idleTurns: 2 });
  assert.equal(d.noteResult('t', 'x'), true);
  assert.equal(d.endTurn('a1', true), undefined);
  assert.equal(d.noteResult('t', 'x'), false);
  assert.equal(d.endTurn('a2', false), undefined);
  assert.equal(d.noteResult('t', 'y'), true);
  assert.equal(d.endTurn('a3', true), undefined, 'a new result is progress');
  assert.equal(d.endTurn('a3', true), undefined, 'the same answer again: idle 1');
  assert.deepEqual(d.endTurn('a4', false), { kind: 'idle_turns', turns: 2 });
});
