/**
 * @module logger
 * Structured JSON logs (pino). Secrets never reach the log: callers log ids and codes, not
 * request bodies or tool arguments, and as a safety net every line is scrubbed on its way out
 * (`redact.ts`): credential fields at any depth, known secret values, bearer tokens and URL
 * user-info in messages, errors and their stacks.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { scrubDeep, scrubText } from './redact.js';

export type { Logger };

/**
 * Creates the process logger.
 *
 * @example
 * ```ts
 * const log = createLogger('info');
 * log.info({ runId }, 'run started');
 * ```
 *
 * `destination` (default stdout) receives one JSON line per entry.
 */
export function createLogger(level: string = 'info', destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    // pino's own `redact` paths reach a fixed depth only; this walks the whole object.
    formatters: { log: (obj) => scrubDeep(obj) as Record<string, unknown> },
    // scrubDeep has already turned errors into { type, message, stack, code }.
    serializers: { err: (e: unknown) => e },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a: unknown) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>);
      },
    },
  }, destination);
}
