/**
 * @module agent/loop-detector
 * Loop detection of `runAgent`, as a pure state machine fed by the agent's turns: the same tool
 * with the same arguments called N times, or K turns in a row that brought no new tool result
 * (or repeated the previous answer).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';

/** When an agent is considered stuck, and what then. */
export interface LoopPolicy {
  /** Calls of one tool with the same arguments that trip the policy (default 3). */
  sameCall?: number;
  /** Turns in a row without a new tool result or with the previous answer again (default 3). */
  idleTurns?: number;
  /** `stop` ends the agent; `escalate` asks a person whether to go on (default `escalate`). */
  onLoop?: 'stop' | 'escalate';
}

/** Why a loop was detected. */
export type LoopTrip =
  | { kind: 'same_call'; tool: string; args: unknown; calls: number }
  | { kind: 'idle_turns'; turns: number };

const digest = (v: unknown): string => createHash('sha256').update(canonicalJson(v)).digest('base64url');

/**
 * Tracks an agent's calls and turns.
 *
 * @example
 * ```ts
 * const loops = new LoopDetector({ sameCall: 3 });
 * const trip = loops.beforeCall('lookup', { id: 1 }); // undefined until the third identical call
 * ```
 */
export class LoopDetector {
  readonly #sameCall: number;
  readonly #idleTurns: number;
  readonly #calls = new Map<string, number>();
  readonly #results = new Set<string>();
  #lastAnswer: string | undefined;
  #idle = 0;

  constructor(policy: LoopPolicy = {}) {
    this.#sameCall = Math.max(2, policy.sameCall ?? 3);
    this.#idleTurns = Math.max(1, policy.idleTurns ?? 3);
  }

  /** Counts a call the model asks for; a trip when it is the N-th identical one. */
  beforeCall(tool: string, args: unknown): LoopTrip | undefined {
    const key = `${tool}:${digest(args)}`;
    const calls = (this.#calls.get(key) ?? 0) + 1;
    this.#calls.set(key, calls);
    return calls >= this.#sameCall ? { kind: 'same_call', tool, args, calls } : undefined;
  }

  /** Whether a tool result was never seen before (and remembers it). */
  noteResult(tool: string, output: unknown): boolean {
    const key = `${tool}:${digest(output)}`;
    if (this.#results.has(key)) return false;
    this.#results.add(key);
    return true;
  }

  /**
   * Ends a turn: `answer` is the model's output, `newResults` whether any tool result was new.
   * A trip when K turns in a row made no progress.
   */
  endTurn(answer: unknown, newResults: boolean): LoopTrip | undefined {
    const a = digest(answer);
    const repeated = a === this.#lastAnswer;
    this.#lastAnswer = a;
    this.#idle = !newResults || repeated ? this.#idle + 1 : 0;
    return this.#idle >= this.#idleTurns ? { kind: 'idle_turns', turns: this.#idle } : undefined;
  }

  /** A person said to go on: start counting afresh. */
  reset(): void {
    this.#calls.clear();
    this.#idle = 0;
  }
}
