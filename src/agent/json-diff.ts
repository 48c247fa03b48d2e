/**
 * @module approvals/json-diff
 * What a reviewer changed: a list of RFC 6902-style operations (JSON Pointer paths) between the
 * proposal and the approved value, with the old value kept for the audit trail.
 */

/** One change. */
export interface JsonChange {
  op: 'add' | 'remove' | 'replace';
  path: string;
  from?: unknown;
  value?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The changes that turn `before` into `after` (objects are compared key by key, anything else
 * as a whole).
 *
 * @example
 * ```ts
 * jsonDiff({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 3 } }); // [{ op: 'replace', path: '/b/c', from: 2, value: 3 }]
 * ```
 */
export function jsonDiff(before: unknown, after: unknown, path = ''): JsonChange[] {
  if (isObject(before) && isObject(after)) {
    const out: JsonChange[] = [];
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const p = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (!(k in after)) out.push({ op: 'remove', path: p, from: before[k] });
      else if (!(k in before)) out.push({ op: 'add', path: p, value: after[k] });
      else out.push(...jsonDiff(before[k], after[k], p));
    }
    return out;
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ op: 'replace', path: path || '/', from: before, value: after }];
}

/**
 * The proposal with the reviewer's edits applied: object members are replaced one level deep,
 * anything else is replaced whole.
 *
 * @example
 * ```ts
 * applyEdits({ to: 'a@x', body: 'Hi' }, { body: 'Hello' }); // { to: 'a@x', body: 'Hello' }
 * ```
 */
export function applyEdits(proposal: unknown, edits: unknown): unknown {
  return isObject(proposal) && isObject(edits) ? { ...proposal, ...edits } : edits;
}
