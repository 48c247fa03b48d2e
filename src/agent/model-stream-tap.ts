/**
 * @module agent/model-stream-tap
 * The copy of a streaming model call's parts for the run's live stream (`waymark.run_stream`,
 * read by `GET /v1/runs/{id}/stream`). The call never waits for it: a part is appended to a
 * buffer in memory, and the buffer is written in the background, one transaction per batch
 * (at most one in flight; deltas of the same text merged), so the database cost is per batch,
 * not per token. What is left when the attempt ends is written by the transaction that records
 * the attempt's outcome, so a recorded outcome always comes with its whole stream.
 *
 * Text is scrubbed of secrets (`redact.ts`) before it is stored. A secret can arrive split over
 * several deltas, so each text is scrubbed whole and sent only up to its last whitespace; the
 * rest waits for more text or the text's end.
 */
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { scrubText } from '../redact.js';
import { appendRunStream, type RunStreamInput } from '../store/run-stream.js';
import type { RunContext } from './run-context.js';

/** How long parts wait in the buffer before a background write (ms). */
export const STREAM_BATCH_MS = 50;

type DeltaType = 'text-delta' | 'reasoning-delta' | 'tool-input-delta';

/** One text being streamed: what arrived, and how much of its scrubbed form was sent. */
interface Channel {
  type: DeltaType;
  idKey: 'id' | 'toolCallId';
  id: string;
  raw: string;
  sent: number;
  dirty: boolean;
}

/**
 * Buffers one attempt's parts for the run's stream.
 *
 * @example
 * ```ts
 * const tap = new ModelStreamTap(ctx, { callSite: 3, attempt: 1 });
 * tap.push(part);                  // for each part, as it streams
 * const rest = await tap.drain();  // then, in the outcome transaction:
 * await appendRunStream(q, tenantId, runId, [...rest, finishEvent]);
 * ```
 */
export class ModelStreamTap {
  readonly #ctx: RunContext;
  readonly #marker: { callSite: number; attempt: number };
  readonly #channels = new Map<string, Channel>();
  #pending: RunStreamInput[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #warned = false;
  #closed = false;
  #rest: RunStreamInput[] | undefined;

  constructor(ctx: RunContext, marker: { callSite: number; attempt: number }) {
    this.#ctx = ctx;
    this.#marker = marker;
  }

  /** Takes a part the provider streamed (never waits, never throws). */
  push(p: LanguageModelV4StreamPart): void {
    if (this.#closed) return;
    switch (p.type) {
      case 'text-start':
      case 'reasoning-start':
        this.#open(p.type === 'text-start' ? 'text-delta' : 'reasoning-delta', 'id', p.id);
        return;
      case 'text-delta':
      case 'reasoning-delta':
        this.#append(p.type, 'id', p.id, p.delta);
        return;
      case 'text-end':
      case 'reasoning-end':
        this.#end(p.id);
        return;
      case 'tool-input-start':
        this.#settle();
        this.#event('tool-input-start', { toolCallId: p.id, toolName: p.toolName });
        this.#open('tool-input-delta', 'toolCallId', p.id);
        return;
      case 'tool-input-delta':
        this.#append('tool-input-delta', 'toolCallId', p.id, p.delta);
        return;
      case 'tool-input-end':
        this.#end(p.id);
        return;
      case 'tool-call':
        this.#settle();
        this.#event('tool-call', { toolCallId: p.toolCallId, toolName: p.toolName, input: scrubText(p.input) });
        return;
      default:
        // Metadata, finish (written with the outcome), files, sources, raw chunks: not streamed.
        return;
    }
  }

  /**
   * Stops background writes and returns what was not written yet, every text sent to its end.
   * Call it when the attempt has ended; a second call returns the same events (for the failure
   * path after an outcome transaction that did not commit).
   */
  async drain(): Promise<RunStreamInput[]> {
    if (this.#rest) return this.#rest;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writing;
    for (const c of this.#channels.values()) this.#materialize(c, true);
    this.#channels.clear();
    this.#rest = this.#pending;
    this.#pending = [];
    return this.#rest;
  }

  /** A model event of this attempt (call site and attempt added). */
  event(type: string, data: Record<string, unknown>): RunStreamInput {
    return { type, data: { ...this.#marker, ...data } };
  }

  #open(type: DeltaType, idKey: Channel['idKey'], id: string): void {
    if (!this.#channels.has(id)) this.#channels.set(id, { type, idKey, id, raw: '', sent: 0, dirty: false });
  }

  #append(type: DeltaType, idKey: Channel['idKey'], id: string, delta: string): void {
    this.#open(type, idKey, id);
    const c = this.#channels.get(id)!;
    c.raw += delta;
    c.dirty = true;
    this.#schedule();
  }

  #end(id: string): void {
    const c = this.#channels.get(id);
    if (!c) return;
    this.#materialize(c, true);
    this.#channels.delete(id);
    this.#schedule();
  }

  #event(type: string, data: Record<string, unknown>): void {
    this.#pending.push(this.event(type, data));
    this.#schedule();
  }

  /** Texts so far go before an event that follows them. */
  #settle(): void {
    for (const c of this.#channels.values()) this.#materialize(c, false);
  }

  /** Moves a text's new scrubbed part into the buffer: up to its last whitespace, or all at its end. */
  #materialize(c: Channel, final: boolean): void {
    if (!c.dirty && !final) return;
    const scrubbed = scrubText(c.raw);
    const upTo = final ? scrubbed.length : lastWhitespace(scrubbed) + 1;
    if (upTo > c.sent) {
      const last = this.#pending.at(-1);
      const delta = scrubbed.slice(c.sent, upTo);
      // Merged into the previous event when it is the same text's.
      if (last?.type === c.type && last.data[c.idKey] === c.id) last.data.delta = `${String(last.data.delta)}${delta}`;
      else this.#pending.push(this.event(c.type, { [c.idKey]: c.id, delta }));
      c.sent = upTo;
    }
    // A held-back tail waits for more text (which makes the text dirty again) or for its end.
    c.dirty = false;
  }

  #schedule(): void {
    if (this.#closed || this.#timer || this.#writing) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#writing = this.#write().finally(() => {
        this.#writing = undefined;
        if (this.#pending.length > 0 || [...this.#channels.values()].some((c) => c.dirty)) this.#schedule();
      });
    }, STREAM_BATCH_MS);
  }

  async #write(): Promise<void> {
    this.#settle();
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const { runId, scope } = this.#ctx;
    try {
      await this.#ctx.db.tx(scope, (q) => appendRunStream(q, scope.tenantId, runId, batch));
    } catch (e) {
      // Kept for the next write, or for the outcome's transaction: the run does not wait for it.
      this.#pending = [...batch, ...this.#pending];
      if (!this.#warned) this.#ctx.log.warn({ err: e }, 'could not write model stream parts yet; they are kept for the next write');
      this.#warned = true;
    }
  }
}

function lastWhitespace(s: string): number {
  for (let i = s.length - 1; i >= 0; i--) if (/\s/.test(s[i]!)) return i;
  return -1;
}
