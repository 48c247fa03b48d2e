/**
 * @module http/app
 * The Express application factory. It never listens itself, so tests and embedding apps can
 * mount or serve it as they like.
 */
import express, { type Express, type RequestHandler } from 'express';
import type { WorkflowRegistry } from '../agent/workflows.js';
import type { Logger } from '../logger.js';
import type { RunService } from '../service/runs.js';
import type { ToolCallService } from '../service/tool-calls.js';
import type { ApprovalService } from '../service/approvals.js';
import type { EventService } from '../service/events.js';
import type { WorkerService } from '../service/workers.js';
import type { DeadLetterService } from '../service/dead-letters.js';
import type { VersionService } from '../service/versions.js';
import type { Database } from '../store/gateway.js';
import { healthRoutes } from './routes-health.js';
import { runRoutes } from './routes-runs.js';
import { toolCallRoutes } from './routes-tool-calls.js';
import { approvalRoutes } from './routes-approvals.js';
import { eventRoutes } from './routes-events.js';
import { deadLetterRoutes } from './routes-dead-letters.js';
import { workflowRoutes } from './routes-workflows.js';
import { notFound, problemHandler, sendProblem } from './problem.js';
import { requestScope, scopeOf } from './request-scope.js';

/** What the HTTP API serves. */
export interface AppDeps {
  runs: RunService;
  toolCalls: ToolCallService;
  approvals: ApprovalService;
  events: EventService;
  workers: WorkerService;
  deadLetters: DeadLetterService;
  versions: VersionService;
  registry: WorkflowRegistry;
  /** For the readiness check. */
  db: Database;
  /** Largest accepted body, express `limit` syntax (default `1mb`). */
  bodyLimit?: string;
  logger: Logger;
}

/**
 * Builds the HTTP API.
 *
 * @example
 * ```ts
 * const app = createApp({ ...waymark, logger }); // the services, registry and db of a running Waymark
 * app.listen(3000, '127.0.0.1');
 * ```
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestScope(deps.logger));
  app.use(requireJsonBody);
  // Webhooks verify a signature over the raw body, so they are parsed before the JSON parser.
  app.use('/v1', eventRoutes(deps.events, deps.bodyLimit ?? '1mb'));
  app.use(express.json({ limit: deps.bodyLimit ?? '1mb', strict: false }));
  app.use(healthRoutes(deps.db));
  app.use('/v1', workflowRoutes(deps.registry));
  app.use('/v1', runRoutes(deps.runs));
  app.use('/v1', toolCallRoutes(deps.toolCalls));
  app.use('/v1', approvalRoutes(deps.approvals));
  app.use('/v1', deadLetterRoutes(deps.deadLetters));
  app.get('/v1/workers', async (_req, res) => {
    res.json({ workers: await deps.workers.list(scopeOf(res)) });
  });
  app.get('/v1/versions', async (_req, res) => {
    res.json({ versions: await deps.versions.list(scopeOf(res)) });
  });
  app.use(notFound);
  app.use(problemHandler(deps.logger));
  return app;
}

/** A body that is not JSON is refused up front instead of being silently ignored. */
const requireJsonBody: RequestHandler = (req, res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json') && !req.is('application/*+json')) {
    sendProblem(res, 415, 'unsupported_media_type', 'Request bodies must be application/json', { instance: req.originalUrl });
    return;
  }
  next();
};
