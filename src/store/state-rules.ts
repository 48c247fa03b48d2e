/**
 * @module store/state-rules
 * Pure rules of a workflow's own business states: checking a declaration (once, when the workflow
 * is declared) and deciding whether a run may move from one state to another. The SQL that
 * applies the decision is in `store/states.ts`; the declaration is stored with each run, so every
 * writer — the workflow's code in a worker, an event delivered by the HTTP server — decides by
 * the rules the run started with.
 */

/**
 * A workflow's business states as declared: the initial state, and for each state the states it
 * may move to (the key `'*'`: states reachable from any state). The keys other than `'*'` are
 * the declared states; a state nothing follows has `[]`. `events` maps an event type to the
 * state an event of that type moves the run to when it is delivered to one of its waits.
 *
 * @example
 * ```ts
 * const states: WorkflowStates = {
 *   initial: 'drafted',
 *   transitions: {
 *     drafted: ['awaiting_report'], awaiting_report: ['confirmed'], confirmed: ['paid'],
 *     paid: [], escalated: ['confirmed'], rolled_back: [],
 *     '*': ['escalated', 'rolled_back'],
 *   },
 *   events: { 'police_report.received': 'confirmed' },
 * };
 * ```
 */
export interface WorkflowStates {
  initial: string;
  transitions: Readonly<Record<string, readonly string[]>>;
  events?: Readonly<Record<string, string>>;
}

/** A checked declaration as stored with each run and listed by `GET /v1/workflows`. */
export interface StateMachine {
  initial: string;
  /** Every declared state, in declaration order. */
  states: string[];
  /** Allowed moves; `from: '*'` allows the move from any state. */
  transitions: { from: string; to: string }[];
  /** Event types that move a run, and where to. */
  events: { type: string; to: string }[];
}

/** The key of `transitions` whose targets are reachable from every state. */
export const ANY_STATE = '*';

/**
 * The form of a state name: lower-case words joined by `_` or `-`, at most 64 characters.
 *
 * @example
 * ```ts
 * STATE_NAME.test('awaiting_report'); // true
 * ```
 */
export const STATE_NAME = /^(?=.{1,64}$)[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$/;

/**
 * Checks a declaration and returns its stored form; throws an `Error` whose message says what is
 * wrong (the caller names the workflow).
 *
 * @example
 * ```ts
 * checkStateMachine({ initial: 'a', transitions: { a: ['b'] } }); // throws: 'b' is not declared
 * ```
 */
export function checkStateMachine(d: WorkflowStates): StateMachine {
  if (typeof d !== 'object' || d === null) throw new Error('states must be an object with initial and transitions');
  if (typeof d.transitions !== 'object' || d.transitions === null || Array.isArray(d.transitions)) {
    throw new Error("states.transitions must map each state to the states it may move to (e.g. { drafted: ['confirmed'], confirmed: [] })");
  }
  const states = Object.keys(d.transitions).filter((s) => s !== ANY_STATE);
  if (states.length === 0) throw new Error('states.transitions declares no state');
  for (const s of states) {
    if (!STATE_NAME.test(s)) throw new Error(`state '${s}' must be lower-case words joined by '_' or '-' (at most 64 characters)`);
  }
  const declared = new Set(states);
  const undeclared = (s: unknown, where: string): Error =>
    new Error(`${where} names the undeclared state '${String(s)}'; declare it as a key of states.transitions (with [] when nothing follows it)`);
  if (!declared.has(d.initial)) throw undeclared(d.initial, 'states.initial');
  const transitions: StateMachine['transitions'] = [];
  for (const [from, tos] of Object.entries(d.transitions)) {
    if (!Array.isArray(tos)) throw new Error(`states.transitions['${from}'] must be an array of states`);
    for (const to of new Set(tos as readonly unknown[])) {
      if (typeof to !== 'string' || !declared.has(to)) throw undeclared(to, `the transition ${from} -> ${String(to)}`);
      transitions.push({ from, to });
    }
  }
  const events: StateMachine['events'] = [];
  for (const [type, to] of Object.entries(d.events ?? {})) {
    if (type.length === 0 || type.length > 200) throw new Error(`states.events: event type '${type.slice(0, 40)}' must be 1-200 characters`);
    if (typeof to !== 'string' || !declared.has(to)) throw undeclared(to, `states.events['${type}']`);
    events.push({ type, to });
  }
  return { initial: d.initial, states, transitions, events };
}

/** What a requested move comes to. */
export type StateMoveDecision =
  | { verdict: 'move' }
  | { verdict: 'unchanged' }
  | { verdict: 'refused'; why: string };

/**
 * Whether a run in state `from` may move to `to` under `machine`. Moving to the state the run is
 * in changes nothing and is no refusal.
 *
 * @example
 * ```ts
 * decideStateMove(machine, 'drafted', 'paid'); // { verdict: 'refused', why: 'paid is not allowed from drafted' }
 * ```
 */
export function decideStateMove(machine: StateMachine, from: string, to: string): StateMoveDecision {
  if (!machine.states.includes(to)) return { verdict: 'refused', why: `'${to}' is not a declared state (declared: ${machine.states.join(', ')})` };
  if (from === to) return { verdict: 'unchanged' };
  const allowed = machine.transitions.some((t) => t.to === to && (t.from === from || t.from === ANY_STATE));
  if (allowed) return { verdict: 'move' };
  const next = machine.transitions.filter((t) => t.from === from || t.from === ANY_STATE).map((t) => t.to).filter((s) => s !== from);
  return { verdict: 'refused', why: `${from} -> ${to} is not an allowed transition (from ${from}: ${next.length ? [...new Set(next)].join(', ') : 'none'})` };
}

/**
 * The state an event of `type` moves a run to, if the declaration names one.
 *
 * @example
 * ```ts
 * eventTarget(machine, 'police_report.received'); // 'confirmed'
 * ```
 */
export function eventTarget(machine: StateMachine, type: string): string | undefined {
  return machine.events.find((e) => e.type === type)?.to;
}
