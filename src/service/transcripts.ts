/**
 * @module service/transcripts
 * Reading a run's agent transcripts: its messages in (thread, sequence) order, page by page,
 * with their provenance.
 */
import { ValidationError } from '../errors.js';
import type { Queryable } from '../store/gateway.js';
import { listTranscript, type StoredProvenance, type TranscriptRow } from '../store/transcripts.js';

/** One message of a transcript, as clients see it. */
export interface TranscriptMessageView {
  thread: string;
  seq: number;
  turn: number;
  role: TranscriptRow['role'];
  kind: TranscriptRow['kind'];
  /** The model message's content (secret fields redacted). */
  content: unknown;
  /** Where untrusted content came from; null for the workflow's own prompt and the model's answers. */
  provenance: StoredProvenance | null;
  createdAt: string;
}

/** A page of a run's transcript. */
export interface TranscriptPage {
  runId: string;
  messages: TranscriptMessageView[];
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
}

/** A transcript page's question. */
export interface TranscriptQuery {
  thread?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/**
 * A page of run `runId`'s transcript (the run's existence and tenant checked by the caller).
 *
 * @example
 * ```ts
 * const page = await readTranscriptPage(q, scope.tenantId, runId, { thread: 'main', limit: 50 });
 * ```
 */
export async function readTranscriptPage(q: Queryable, tenantId: string, runId: string, f: TranscriptQuery): Promise<TranscriptPage> {
  const limit = f.limit ?? 50;
  const rows = await listTranscript(q, tenantId, runId, { thread: f.thread, limit, after: f.cursor ? decodePosition(f.cursor) : undefined });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    runId,
    messages: page.map((r) => ({
      thread: r.thread, seq: r.seq, turn: r.turn, role: r.role, kind: r.kind, content: r.content, provenance: r.provenance, createdAt: r.created_at.toISOString(),
    })),
    nextCursor: rows.length > limit && last ? Buffer.from(JSON.stringify([last.thread, last.seq])).toString('base64url') : null,
  };
}

function decodePosition(cursor: string): { thread: string; seq: number } {
  try {
    const [thread, seq] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof thread === 'string' && thread.length <= 100 && Number.isInteger(seq) && (seq as number) > 0) return { thread, seq: seq as number };
  } catch {
    // fall through
  }
  throw new ValidationError('cursor is not a value returned as nextCursor', undefined, 'invalid_cursor');
}
