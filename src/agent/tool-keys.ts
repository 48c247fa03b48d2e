/**
 * @module tools/tool-keys
 * Deterministic idempotency keys and redaction of secret fields.
 */
import type { InstallationKeys } from '../installation-keys.js';
import { REDACTED } from '../redact.js';

export { REDACTED };

/** Separates a fork's origin run id from its own part; see {@link forkRunId}. */
const FORK_SEPARATOR = '.fork.';

/**
 * The id Waymark gives a fork of `parentId`: it carries the origin run id, so tool-call keys
 * of the fork are computed without a database read and equal its origin's.
 *
 * @example
 * ```ts
 * forkRunId('a1b2', 'c3d4'); // 'a1b2.fork.c3d4'
 * ```
 */
export function forkRunId(parentId: string, unique: string): string {
  return `${originRunId(parentId)}${FORK_SEPARATOR}${unique}`;
}

/**
 * The first run of a fork chain (the run itself when it is no fork made by Waymark).
 *
 * @example
 * ```ts
 * originRunId('a1b2.fork.c3d4'); // 'a1b2'
 * ```
 */
export function originRunId(runId: string): string {
  const i = runId.indexOf(FORK_SEPARATOR);
  return i === -1 ? runId : runId.slice(0, i);
}

/**
 * The idempotency key of a call: the tool's business key (valid across runs) when it has
 * one, else the tool name and an HMAC of the canonical arguments (keyed by the installation
 * secret, so it cannot be tested against guessed arguments offline), scoped to the run's origin.
 *
 * @example
 * ```ts
 * toolCallKey(keys, 'email.send', { to: 'a@b.c' }, 'run-1'); // 'run:run-1:email.send:5f1c…'
 * toolCallKey(keys, 'payment.pay', { invoice: 'I-9' }, 'run-1', 'invoice:I-9'); // 'payment.pay:invoice:I-9'
 * ```
 */
export function toolCallKey(keys: Pick<InstallationKeys, 'hash'>, tool: string, input: unknown, runId: string, businessKey?: string): string {
  if (businessKey !== undefined) return `${tool}:${businessKey}`;
  return `run:${originRunId(runId)}:${tool}:${keys.hash(input).slice(0, 32)}`;
}

/** Ends the workflow id of a run's compensation. */
const COMPENSATION_SUFFIX = '.compensation';

/**
 * The DBOS workflow id of a run's compensation (one per run).
 *
 * @example
 * ```ts
 * compensationId('a1b2'); // 'a1b2.compensation'
 * ```
 */
export function compensationId(runId: string): string {
  return `${runId}${COMPENSATION_SUFFIX}`;
}

/**
 * The run a compensation workflow id works for, or undefined for any other id.
 *
 * @example
 * ```ts
 * compensatedRunId('a1b2.compensation'); // 'a1b2'
 * ```
 */
export function compensatedRunId(workflowId: string): string | undefined {
  return workflowId.endsWith(COMPENSATION_SUFFIX) ? workflowId.slice(0, -COMPENSATION_SUFFIX.length) : undefined;
}

/**
 * A copy of `value` with the fields at the dotted `paths` replaced by `[redacted]`; arrays on
 * the way are walked element by element.
 *
 * @example
 * ```ts
 * redact({ auth: { token: 't' }, to: 'x' }, ['auth.token']); // { auth: { token: '[redacted]' }, to: 'x' }
 * ```
 */
export function redact<T>(value: T, paths: readonly string[]): T {
  if (paths.length === 0 || value === null || typeof value !== 'object') return value;
  const copy = structuredClone(value) as unknown;
  for (const p of paths) redactPath(copy, p.split('.'));
  return copy as T;
}

function redactPath(node: unknown, parts: string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) redactPath(item, parts);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const [head, ...rest] = parts;
  if (head === undefined || !(head in node)) return;
  const obj = node as Record<string, unknown>;
  if (rest.length === 0) obj[head] = REDACTED;
  else redactPath(obj[head], rest);
}
