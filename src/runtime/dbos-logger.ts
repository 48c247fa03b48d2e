/**
 * @module runtime/dbos-logger
 * DBOS's own log output (launch, recovery, queue and step errors), routed through Waymark's
 * pino logger (DBOS's public `logger` option), so every line of a Waymark process is JSON,
 * scrubbed, and carries the run id when DBOS logs from inside a workflow.
 */
import type { DLogger } from '@dbos-inc/dbos-sdk';
import type { Logger } from '../logger.js';

type Metadata = { span?: { attributes?: Record<string, unknown> } | undefined; stack?: string | undefined } | undefined;

/**
 * A DBOS logger writing to `log` (component `dbos`).
 *
 * @example
 * ```ts
 * DBOS.setConfig({ name: 'waymark', logger: dbosLogger(log) });
 * ```
 */
export function dbosLogger(log: Logger): DLogger {
  const base = log.child({ component: 'dbos' });
  const fields = (m: Metadata): Record<string, unknown> => {
    const runId = m?.span?.attributes?.operationUUID ?? m?.span?.attributes?.['dbos.workflow.id'];
    return typeof runId === 'string' ? { runId } : {};
  };
  const text = (entry: unknown): string => (typeof entry === 'string' ? entry : JSON.stringify(entry));
  return {
    info: (entry, m) => base.info(fields(m), text(entry)),
    debug: (entry, m) => base.debug(fields(m), text(entry)),
    warn: (entry, m) => base.warn(fields(m), text(entry)),
    error: (entry, m) => base.error({ ...fields(m), ...(m?.stack ? { stack: m.stack } : {}) }, text(entry instanceof Error ? entry.message : entry)),
  };
}
