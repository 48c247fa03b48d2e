/**
 * @module service/run-stream
 * Following a run's live stream: the parts of its streaming model calls, its phase changes, its
 * business-state moves and its end, from an event id on, as they commit. Readers only read: the run never waits for
 * them, and a reader that is slow, gone or never came costs the run nothing.
 */
import { NotFoundError } from '../errors.js';
import type { Scope } from '../scope.js';
import type { Database } from '../store/gateway.js';
import type { RunStreamListener, RunStreamWatch } from '../store/run-stream-listener.js';
import { readRunStream, runStreamState, type RunStreamRow } from '../store/run-stream.js';

/**
 * One event of a run's stream. Types:
 * * `model-start` — a streaming model call's attempt begins (`callSite`, `attempt`, `model`);
 *   a later attempt of the same call site replaces what earlier attempts streamed;
 * * `text-delta`, `reasoning-delta` (`id`, `delta`); `tool-input-start` (`toolCallId`,
 *   `toolName`), `tool-input-delta` (`toolCallId`, `delta`), `tool-call` (`toolCallId`,
 *   `toolName`, `input` as JSON text) — secrets scrubbed;
 * * `model-finish` (`finishReason`, `usage`), `model-failed` (`error`, `retryInMs`: null when the
 *   call failed for good), `model-refused` (a budget refused the call);
 * * `phase` (`from`, `to`, `reason`) and `end` (`phase`): the run reached a terminal phase. A
 *   run resumed or retried later goes on in the same stream;
 * * `state` (`from`, `to`, `reason`, `by`): the run moved between its workflow's own business
 *   states (`from` is null for the initial state).
 */
export interface RunStreamEvent {
  /** Per run: 1, 2, 3 ... without gaps (the SSE event id). */
  id: number;
  type: string;
  /** When it was stored (ISO 8601). */
  at: string;
  data: Record<string, unknown>;
}

/** An opened stream: either nothing more will come (`ended`), or its events as they commit. */
export type OpenedRunStream = { ended: true } | { ended: false; events: AsyncIterable<RunStreamEvent> };

/** Options of {@link RunStreamService.open}. */
export interface FollowOptions {
  /** The last event id the reader has seen (0: from the start). */
  after: number;
  /** Stops following (the reader went away). */
  signal: AbortSignal;
}

const PAGE = 500;

/**
 * Reads runs' live streams for the API and embedding applications, within the caller's tenant.
 *
 * @example
 * ```ts
 * const opened = await streams.open(scope, runId, { after: 0, signal });
 * if (!opened.ended) for await (const e of opened.events) console.log(e.id, e.type, e.data);
 * ```
 */
export class RunStreamService {
  readonly #db: Database;
  readonly #listener: RunStreamListener;
  readonly #pollMs: number;

  constructor(deps: { db: Database; listener: RunStreamListener; pollMs?: number }) {
    this.#db = deps.db;
    this.#listener = deps.listener;
    this.#pollMs = deps.pollMs ?? 1_000;
  }

  /**
   * Opens a run's stream after event `after`. Throws `run_not_found` when the tenant has no
   * such run. `ended` when the run has ended and nothing follows `after` (the reader has
   * everything, or the events are past their retention). Otherwise the events follow until the
   * run ends (an `end` event with nothing after it) or `signal` aborts.
   */
  async open(scope: Scope, runId: string, opts: FollowOptions): Promise<OpenedRunStream> {
    // Watching before the first read: a commit after it wakes the reader at once.
    const watch = this.#listener.watch(runId);
    try {
      // The phase first: an `end` commits with its terminal phase, so rows read after it include it.
      const { state, first } = await this.#db.read(scope, async (q) => {
        const s = await runStreamState(q, scope.tenantId, runId);
        return { state: s, first: s ? await readRunStream(q, scope.tenantId, runId, opts.after, PAGE) : [] };
      });
      if (!state) throw new NotFoundError('run_not_found', `No run with id '${runId}'`);
      if (first.length === 0 && state.terminal) {
        watch.close();
        return { ended: true };
      }
      return { ended: false, events: this.#follow(scope, runId, opts, first, watch) };
    } catch (e) {
      watch.close();
      throw e;
    }
  }

  async *#follow(scope: Scope, runId: string, opts: FollowOptions, first: RunStreamRow[], watch: RunStreamWatch): AsyncGenerator<RunStreamEvent> {
    try {
      let rows = first;
      let last = opts.after;
      for (;;) {
        for (const r of rows) {
          if (opts.signal.aborted) return;
          last = r.seq;
          yield toEvent(r);
        }
        if (rows.length < PAGE) {
          if (rows.at(-1)?.type === 'end') return;
          await watch.next(this.#pollMs, opts.signal);
        }
        if (opts.signal.aborted) return;
        const from = last;
        rows = await this.#db.read(scope, (q) => readRunStream(q, scope.tenantId, runId, from, PAGE));
      }
    } finally {
      watch.close();
    }
  }
}

function toEvent(r: RunStreamRow): RunStreamEvent {
  return { id: r.seq, type: r.type, at: r.created_at.toISOString(), data: r.data };
}
