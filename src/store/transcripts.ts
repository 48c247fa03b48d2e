/**
 * @module store/transcripts
 * SQL for agent transcripts `waymark.transcript_messages` (migration 014): a turn's new
 * messages appended under their sequence numbers (a repeat is a no-op), a thread's length, its
 * messages up to a known sequence, and a run's messages page by page.
 */
import type { Queryable } from './gateway.js';

/** Where untrusted content came from. */
export interface StoredProvenance {
  trusted: false;
  /** e.g. `tool:crm.lookup`, `webhook:stripe`. */
  source: string;
}

/** One message to append. */
export interface NewTranscriptMessage {
  seq: number;
  turn: number;
  role: 'system' | 'user' | 'assistant' | 'tool';
  kind: 'message' | 'summary';
  /** The model message's content, already redacted. */
  content: unknown;
  provenance: StoredProvenance | null;
}

/** A stored message. */
export interface TranscriptRow {
  thread: string;
  seq: number;
  turn: number;
  role: NewTranscriptMessage['role'];
  kind: NewTranscriptMessage['kind'];
  content: unknown;
  provenance: StoredProvenance | null;
  created_at: Date;
}

/**
 * Appends messages to a run's thread (in the transaction's tenant). Rows already there (the
 * same step ran before a crash lost its checkpoint) are left as they are.
 *
 * @example
 * ```ts
 * await appendTranscript(q, runId, 'main', [{ seq: 3, turn: 1, role: 'assistant', kind: 'message', content: [...], provenance: null }]);
 * ```
 */
export async function appendTranscript(db: Queryable, runId: string, thread: string, messages: readonly NewTranscriptMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await db.query(
    `INSERT INTO waymark.transcript_messages (tenant_id, run_id, thread, seq, turn, role, summary, content, source)
     SELECT current_setting('waymark.tenant_id'), $1, $2, m.seq, m.turn, m.role, m.kind = 'summary', m.content, m.provenance->>'source'
     FROM jsonb_to_recordset($3::jsonb) AS m(seq int, turn int, role text, kind text, content jsonb, provenance jsonb)
     ON CONFLICT (run_id, thread, seq) DO NOTHING`,
    [runId, thread, JSON.stringify(messages)],
  );
}

/**
 * The last sequence number of a run's thread (0 when it has no messages).
 *
 * @example
 * ```ts
 * const last = await lastTranscriptSeq(q, runId, 'main');
 * ```
 */
export async function lastTranscriptSeq(db: Queryable, runId: string, thread: string): Promise<number> {
  const { rows } = await db.query<{ last: number }>(
    'SELECT coalesce(max(seq), 0)::int AS last FROM waymark.transcript_messages WHERE run_id = $1 AND thread = $2',
    [runId, thread],
  );
  return rows[0]?.last ?? 0;
}

/**
 * A thread's messages with sequence numbers up to `throughSeq`, in order: rows under a known
 * sequence never change, so the answer is the same on every execution of the run.
 *
 * @example
 * ```ts
 * const rows = await readTranscript(q, runId, 'main', 12);
 * ```
 */
export async function readTranscript(db: Queryable, runId: string, thread: string, throughSeq: number): Promise<TranscriptRow[]> {
  const { rows } = await db.query<TranscriptRow>(
    `SELECT thread, seq, turn, role, CASE WHEN summary THEN 'summary' ELSE 'message' END AS kind, content, CASE WHEN source IS NULL THEN NULL ELSE jsonb_build_object('trusted', false, 'source', source) END AS provenance, created_at FROM waymark.transcript_messages
     WHERE run_id = $1 AND thread = $2 AND seq <= $3 ORDER BY seq`,
    [runId, thread, throughSeq],
  );
  return rows;
}

/**
 * A page of a run's messages in (thread, seq) order, after the position `after` (exclusive);
 * `limit + 1` rows, so the caller knows whether a next page exists.
 *
 * @example
 * ```ts
 * const rows = await listTranscript(q, tenantId, runId, { thread: 'main', limit: 50 });
 * ```
 */
export async function listTranscript(
  db: Queryable,
  tenantId: string,
  runId: string,
  f: { thread?: string | undefined; limit: number; after?: { thread: string; seq: number } | undefined },
): Promise<TranscriptRow[]> {
  const { rows } = await db.query<TranscriptRow>(
    `SELECT thread, seq, turn, role, CASE WHEN summary THEN 'summary' ELSE 'message' END AS kind, content, CASE WHEN source IS NULL THEN NULL ELSE jsonb_build_object('trusted', false, 'source', source) END AS provenance, created_at FROM waymark.transcript_messages
     WHERE tenant_id = $1 AND run_id = $2 AND ($3::text IS NULL OR thread = $3)
       AND ($4::text IS NULL OR (thread, seq) > ($4, $5::int))
     ORDER BY thread, seq LIMIT $6`,
    [tenantId, runId, f.thread ?? null, f.after?.thread ?? null, f.after?.seq ?? 0, f.limit + 1],
  );
  return rows;
}
