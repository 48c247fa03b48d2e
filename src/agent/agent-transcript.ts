/**
 * @module agent/agent-transcript
 * The agent's side of transcripts: the conversation in memory (model messages with their
 * provenance), appended to `waymark.transcript_messages` one turn's delta at a time, and read
 * back by reference. Each append is a DBOS step whose checkpoint is the thread and sequence
 * range it wrote, never the messages; stored content is redacted (the tools' secret fields,
 * registered secrets, credential-named fields), while the live messages go to the model.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { ModelMessage } from 'ai';
import { scrubDeep } from '../redact.js';
import { appendTranscript, lastTranscriptSeq, readTranscript, type NewTranscriptMessage, type TranscriptRow } from '../store/transcripts.js';
import type { RunContext } from './run-context.js';

/** Where content that entered the conversation came from, when it is not the workflow's own. */
export interface Provenance {
  trusted: false;
  /** e.g. `tool:crm.lookup` or `webhook:stripe`. */
  source: string;
}

/** One message of the conversation. */
export interface TranscriptEntry {
  message: ModelMessage;
  /** Null: the workflow's own prompt, or the model's answer. */
  provenance: Provenance | null;
  kind: 'message' | 'summary';
  /** The message as stored (redacted); defaults to a scrub of the live message's content. */
  stored?: unknown;
}

/** What a turn's checkpoint holds instead of its messages. */
export interface TranscriptRef {
  thread: string;
  /** First and last sequence numbers written (from > to: nothing was written). */
  from: number;
  to: number;
}

/**
 * A thread's messages so far (of this run): its last sequence number comes from a step, the
 * rows up to it are read outside any step — they never change, so every execution reads the
 * same, and the checkpoint holds a number rather than the conversation.
 *
 * @example
 * ```ts
 * const { entries, lastSeq } = await loadThread(ctx, 'main');
 * ```
 */
export async function loadThread(ctx: RunContext, thread: string): Promise<{ entries: TranscriptEntry[]; lastSeq: number }> {
  const lastSeq = await DBOS.runStep(() => ctx.db.read(ctx.scope, (q) => lastTranscriptSeq(q, ctx.runId, thread)), { name: 'agent:transcript-head' });
  if (lastSeq === 0) return { entries: [], lastSeq };
  const rows = await ctx.db.read(ctx.scope, (q) => readTranscript(q, ctx.runId, thread, lastSeq));
  return { entries: rows.map(toEntry), lastSeq };
}

function toEntry(r: TranscriptRow): TranscriptEntry {
  return { message: { role: r.role, content: r.content } as ModelMessage, provenance: r.provenance, kind: r.kind };
}

/**
 * Appends a turn's new messages after sequence `lastSeq`, as one step; returns the reference
 * its checkpoint holds.
 *
 * @example
 * ```ts
 * const ref = await appendTurn(ctx, 'main', 2, lastSeq, [{ message: answer, provenance: null, kind: 'message' }]);
 * lastSeq = ref.to;
 * ```
 */
export async function appendTurn(ctx: RunContext, thread: string, turn: number, lastSeq: number, entries: readonly TranscriptEntry[]): Promise<TranscriptRef> {
  if (entries.length === 0) return { thread, from: lastSeq + 1, to: lastSeq };
  const rows: NewTranscriptMessage[] = entries.map((e, i) => ({
    seq: lastSeq + 1 + i, turn, role: e.message.role, kind: e.kind,
    content: scrubDeep(e.stored ?? e.message.content), provenance: e.provenance,
  }));
  return DBOS.runStep(
    async () => {
      await ctx.db.tx(ctx.scope, (q) => appendTranscript(q, ctx.runId, thread, rows));
      return { thread, from: lastSeq + 1, to: lastSeq + entries.length };
    },
    { name: 'agent:transcript' },
  );
}
