/**
 * @module logger
 * Structured JSON logs (pino). Secrets never reach the logger: callers log ids and codes,
 * not request bodies or tool arguments.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Creates the process logger.
 *
 * @example
 * ```ts
 * const log = createLogger('info');
 * log.info({ runId }, 'run started');
 * ```
 */
export function createLogger(level: string = 'info'): Logger {
  return pino({ level, base: { pid: process.pid }, redact: { paths: ['*.authorization', '*.password', '*.apiKey'], censor: '[redacted]' } });
}
