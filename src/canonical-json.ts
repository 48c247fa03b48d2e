/**
 * @module canonical-json
 * One spelling per JSON value (sorted keys, no whitespace), so that hashes of requests and
 * tool arguments do not depend on key order or formatting; and its keyed hash.
 */
import { createHmac } from 'node:crypto';

/**
 * Serialises `value` canonically; `undefined` object members are dropped, like JSON.stringify.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }); // '{"a":[2,{"c":4,"d":3}],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * HMAC-SHA256 (hex) of the canonical JSON of `value` under `key`. Keyed, so that whoever can
 * read a stored hash (a tool-call key, a request hash) but not the key cannot test guesses of
 * the arguments behind it.
 *
 * @example
 * ```ts
 * canonicalHash({ a: 1, b: 2 }, key) === canonicalHash({ b: 2, a: 1 }, key); // true
 * ```
 */
export function canonicalHash(value: unknown, key: Buffer | string): string {
  return createHmac('sha256', key).update(canonicalJson(value)).digest('hex');
}
