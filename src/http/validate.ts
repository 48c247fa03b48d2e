/**
 * @module http/validate
 * zod at the HTTP boundary: a request that does not parse is a 400/422 problem naming the
 * fields, before anything is read or written.
 */
import type { z } from 'zod';
import { ValidationError } from '../errors.js';
import { formatIssues } from '../agent/workflows.js';

/**
 * Parses one part of a request (body, query, params) or throws a {@link ValidationError}.
 *
 * @example
 * ```ts
 * const body = parseRequest(StartRunBody, req.body, 'body');
 * ```
 */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' | 'headers'): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(`Invalid request ${where}: ${formatIssues(parsed.error)}`, {
      issues: parsed.error.issues.map((i) => ({ in: where, path: i.path.map(String), message: i.message })),
    }, where === 'body' ? 'invalid_body' : `invalid_${where}`);
  }
  return parsed.data;
}
