/**
 * @module service/cursor
 * Opaque keyset cursors for newest-first listings: the last row's exact `created_at` text and id.
 */
import { ValidationError } from '../errors.js';

/**
 * Encodes a keyset position.
 *
 * @example
 * ```ts
 * const next = encodeCursor(last.created_key, last.id);
 * ```
 */
export function encodeCursor(createdKey: string, id: string): string {
  return Buffer.from(JSON.stringify([createdKey, id])).toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor}, or throws `invalid_cursor` (422).
 *
 * @example
 * ```ts
 * const after = decodeCursor(req.query.cursor);
 * ```
 */
export function decodeCursor(cursor: string): { createdKey: string; id: string } {
  try {
    const [createdKey, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    // Exactly the timestamptz text Postgres wrote, so nothing else reaches the query.
    if (typeof createdKey === 'string' && typeof id === 'string' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/.test(createdKey) && id.length <= 300) {
      return { createdKey, id };
    }
  } catch {
    // fall through
  }
  throw new ValidationError('cursor is not a value returned as nextCursor', undefined, 'invalid_cursor');
}
