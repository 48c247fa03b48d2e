/**
 * @module agent/secret-fields
 * Secret workflow inputs and outputs. A field is marked with `secret(schema)` (zod metadata
 * `{ secret: true }`). When a run starts, its input is stored — in `waymark.runs` and in DBOS's
 * checkpoint — with `[redacted]` in the secret fields, and the live input is sealed
 * (AES-256-GCM, the installation key) into `waymark.run_secrets`. Each time the workflow
 * executes, here or after a recovery on another worker, its wrapper opens that row and hands
 * the function the live input, outside any step, so it is never checkpointed. Secret output
 * fields are returned to DBOS redacted.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { z } from 'zod';
import { WaymarkError } from '../errors.js';
import { REDACTED, registerSecret, scrubError } from '../redact.js';
import { currentRuntime } from '../runtime/process-runtime.js';
import { SYSTEM_SCOPE } from '../scope.js';
import { getRunSecrets } from '../store/run-secrets.js';
import { originRunId, redact } from './tool-keys.js';

/**
 * Marks a field of a workflow's input or output schema as secret: stored and served as
 * `[redacted]`, while the workflow function receives the live value. Same as
 * `schema.meta({ secret: true })`.
 *
 * @example
 * ```ts
 * const Input = z.object({ customerId: z.string(), apiKey: secret(z.string()) });
 * ```
 */
export function secret<T extends z.ZodType>(schema: T): T {
  return schema.meta({ ...schema.meta(), secret: true });
}

/**
 * Dotted paths of the fields marked secret in `schema` (objects, arrays, optional, nullable
 * and default wrappers are looked through), in the form `redact` takes.
 *
 * @example
 * ```ts
 * secretPaths(z.object({ auth: z.object({ token: secret(z.string()) }) })); // ['auth.token']
 * ```
 */
export function secretPaths(schema: z.ZodType): string[] {
  const out: string[] = [];
  walk(schema, [], out, 0);
  if (out.includes('')) throw new WaymarkError('invalid_workflow', 'Mark fields of an input or output secret, not the whole value');
  return out;
}

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; shape?: Record<string, z.ZodType>; element?: z.ZodType; options?: z.ZodType[] };

function walk(schema: z.ZodType, prefix: string[], out: string[], depth: number): void {
  if (depth > 32) return; // recursive schemas: nothing deeper is declared by hand
  if ((schema.meta() as { secret?: unknown } | undefined)?.secret === true) {
    out.push(prefix.join('.'));
    return;
  }
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  if (def.innerType) walk(def.innerType, prefix, out, depth + 1);
  else if (def.type === 'pipe' && def.in) walk(def.in, prefix, out, depth + 1);
  else if (def.type === 'object' && def.shape) for (const [k, v] of Object.entries(def.shape)) walk(v, [...prefix, k], out, depth + 1);
  else if (def.type === 'array' && def.element) walk(def.element, prefix, out, depth + 1);
  else if (def.type === 'union' && def.options) for (const o of def.options) walk(o, prefix, out, depth + 1);
}

/**
 * The string values at `paths` in `value` (arrays walked), for scrubbing.
 *
 * @example
 * ```ts
 * secretValues({ apiKey: 'sk-1', to: 'x' }, ['apiKey']); // ['sk-1']
 * ```
 */
export function secretValues(value: unknown, paths: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (node: unknown, parts: string[]): void => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, parts));
    if (parts.length === 0) {
      if (typeof node === 'string') out.push(node);
      else if (node !== null && typeof node === 'object') out.push(...JSON.stringify(node).match(/"(?:[^"\\]|\\.)*"/g)?.map((s) => JSON.parse(s) as string) ?? []);
      else if (typeof node === 'number' || typeof node === 'boolean' || typeof node === 'bigint') out.push(String(node));
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const [head, ...rest] = parts;
    visit((node as Record<string, unknown>)[head!], rest);
  };
  for (const p of paths) visit(value, p.split('.'));
  return out;
}

/** Whether a value stored for a run has `[redacted]` at any of `paths`. */
function hasRedacted(value: unknown, paths: readonly string[]): boolean {
  return secretValues(value, paths).includes(REDACTED);
}

/**
 * Wraps a workflow function: resolves its secret inputs from `waymark.run_secrets` before it
 * runs, redacts its secret outputs, and scrubs the error it throws (which DBOS stores as the
 * run's error) of secret values.
 *
 * @example
 * ```ts
 * const wrapped = withSecretFields(fn, { input: ['apiKey'], output: [] });
 * ```
 */
export function withSecretFields<A, R>(
  fn: (this: unknown, input: A) => Promise<R>,
  paths: { input: readonly string[]; output: readonly string[] },
): (this: unknown, input: A) => Promise<R> {
  return async function (this: unknown, input: A): Promise<R> {
    let live = input;
    let values: string[] = [];
    if (paths.input.length > 0 && hasRedacted(input, paths.input)) {
      live = await openSecretInput<A>();
      values = secretValues(live, paths.input);
      for (const v of values) registerSecret(v); // scrubbed from every error and log of this process
    }
    let out: R;
    try {
      out = await fn.call(this, live);
    } catch (e) {
      throw scrubError(e, values);
    }
    return paths.output.length > 0 ? redact(out, paths.output) : out;
  };
}

/** The live input of the calling run (or of its origin, for a fork), sealed at its start. */
async function openSecretInput<A>(): Promise<A> {
  const runId = DBOS.workflowID;
  if (runId === undefined) throw new WaymarkError('not_in_workflow', 'secret inputs are resolved inside a workflow');
  const origin = originRunId(runId);
  const rt = currentRuntime();
  // Outside any step on purpose: the live value must not be checkpointed.
  const sealed = await rt.db.read(SYSTEM_SCOPE, (q) => getRunSecrets(q, origin));
  if (sealed === undefined) {
    throw new WaymarkError(
      'secret_input_unavailable',
      `The secret inputs of run ${origin} are gone (they are deleted when it succeeds), so run ${runId} cannot see them; start a new run instead`,
    );
  }
  return JSON.parse(rt.keys.open(sealed, origin)) as A;
}
