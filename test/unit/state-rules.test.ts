/**
 * The pure rules of a workflow's own business states: checking a declaration, deciding a move,
 * and the state an event moves a run to.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkStateMachine, decideStateMove, eventTarget } from '../../src/store/state-rules.js';

const machine = checkStateMachine({
  initial: 'drafted',
  transitions: { drafted: ['awaiting_report', 'awaiting_report'], awaiting_report: ['confirmed'], confirmed: ['paid'], paid: [], escalated: ['confirmed'], '*': ['escalated'] },
  events: { 'police_report.received': 'confirmed' },
});

test('a declaration is stored with its states in order, its transitions without repeats, and its events', () => {
  assert.deepEqual(machine.states, ['drafted', 'awaiting_report', 'confirmed', 'paid', 'escalated']);
  assert.deepEqual(machine.transitions.filter((t) => t.from === 'drafted'), [{ from: 'drafted', to: 'awaiting_report' }]);
  assert.deepEqual(machine.transitions.at(-1), { from: '*', to: 'escalated' });
  assert.deepEqual(machine.events, [{ type: 'police_report.received', to: 'confirmed' }]);
});

test('a move is allowed when declared from the state or from any state; to the same state it changes nothing', () => {
  assert.deepEqual(decideStateMove(machine, 'drafted', 'awaiting_report'), { verdict: 'move' });
  assert.deepEqual(decideStateMove(machine, 'paid', 'escalated'), { verdict: 'move' }, "'*' reaches escalated from paid");
  assert.deepEqual(decideStateMove(machine, 'confirmed', 'confirmed'), { verdict: 'unchanged' });
  assert.deepEqual(decideStateMove(machine, 'drafted', 'paid'), { verdict: 'refused', why: 'drafted -> paid is not an allowed transition (from drafted: awaiting_report, escalated)' });
  assert.deepEqual(decideStateMove(machine, 'escalated', 'paid'), { verdict: 'refused', why: 'escalated -> paid is not an allowed transition (from escalated: confirmed)' });
  assert.match((decideStateMove(machine, 'drafted', 'lost') as { why: string }).why, /'lost' is not a declared state/);
});

test('an event type moves to its declared state; other types move nothing', () => {
  assert.equal(eventTarget(machine, 'police_report.received'), 'confirmed');
  assert.equal(eventTarget(machine, 'police_report.withdrawn'), undefined);
});

test('a declaration naming an undeclared state, or a badly formed one, is refused with what to do', () => {
  assert.throws(() => checkStateMachine({ initial: 'a', transitions: { a: ['b'] } }), /the transition a -> b names the undeclared state 'b'; declare it as a key of states.transitions \(with \[\] when nothing follows it\)/);
  assert.throws(() => checkStateMachine({ initial: 'z', transitions: { a: [] } }), /states.initial names the undeclared state 'z'/);
  assert.throws(() => checkStateMachine({ initial: 'a', transitions: { a: [] }, events: { t: 'b' } }), /states.events\['t'\] names the undeclared state 'b'/);
  assert.throws(() => checkStateMachine({ initial: 'a', transitions: { a: 'b' as never } }), /must be an array of states/);
  assert.throws(() => checkStateMachine({ initial: 'A', transitions: { A: [] } }), /must be lower-case words/);
  assert.throws(() => checkStateMachine({ initial: 'a', transitions: { '*': ['a'] } }), /declares no state/);
});
