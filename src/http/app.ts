/**
 * @module http/app
 * The Express application factory. It never listens itself, so tests and embedding apps can
 * mount or serve it as they like.
 */
import express, { type Express, type RequestHandler } from 'express';
import type { WorkflowRegistry } from '../agent/workflows.js';
import type { Logger } from '../logger.js';
import type { ScheduleService } from '../service/schedules.js';
import type { RunService } from '../service/runs.js';
import type { ToolCallService } from '../service/tool-calls.js';
import type { BreakerService } from '../service/breakers.js';
import type { ApprovalService } from '../service/approvals.js';
import type { EventService } from '../service/events.js';
import type { WorkerService } from '../service/workers.js';
import type { DeadLetterService } from '../service/dead-letters.js';
import type { VersionService } from '../service/versions.js';
import type { ApiKeyService } from '../service/api-keys.js';
import type { CostService } from '../service/costs.js';
import type { RunStreamService } from '../service/run-stream.js';
import type { ConsoleSessionService } from '../service/console-sessions.js';
import type { Database } from '../store/gateway.js';
import { consoleFiles } from './console-static.js';
import { consoleSessionRoutes, consoleSignIn } from './routes-console-session.js';
import { healthRoutes } from './routes-health.js';
import { runRoutes } from './routes-runs.js';
import { childRunRoutes } from './routes-child-runs.js';
import { scheduleRoutes } from './routes-schedules.js';
import { toolCallRoutes } from './routes-tool-calls.js';
import { approvalRoutes } from './routes-approvals.js';
import { eventRoutes } from './routes-events.js';
import { deadLetterRoutes } from './routes-dead-letters.js';
import { breakerRoutes } from './routes-breakers.js';
import { workflowRoutes } from './routes-workflows.js';
import { costRoutes } from './routes-costs.js';
import { runStreamRoutes } from './routes-run-stream.js';
import { notFound, problemHandler, sendProblem } from './problem.js';
import { keyRoutes } from './routes-keys.js';
import { metricsRoutes } from './routes-metrics.js';
import { auditRefusals, authenticate, requestScope } from './request-scope.js';
import { installationRoutes } from './routes-installation.js';
import { openApiRoutes } from './routes-openapi.js';
import { buildOpenApiDocument } from './openapi.js';
import { hostGuard } from './host-guard.js';
import { originGuard } from './origin-guard.js';
import { rateLimit } from './rate-limit.js';
import { rejectMalformedPath } from './request-errors.js';

/** What the HTTP API serves. */
export interface AppDeps {
  runs: RunService;
  toolCalls: ToolCallService;
  approvals: ApprovalService;
  events: EventService;
  workers: WorkerService;
  deadLetters: DeadLetterService;
  versions: VersionService;
  /** Authenticates every request but health checks and signed webhooks. */
  keys: ApiKeyService;
  /** The model-call cost ledger. */
  costs: CostService;
  /** Runs' live streams (`GET /v1/runs/{id}/stream`). */
  streams: RunStreamService;
  /** Circuit breakers of tools (`/v1/breakers`); without them the routes are not served. */
  breakers?: BreakerService;
  /** Cron schedules (`/v1/schedules`); without them the routes are not served. */
  schedules?: ScheduleService;
  /** Sessions of the operator console (served at `/`); without them the console is not served. */
  sessions?: ConsoleSessionService;
  registry: WorkflowRegistry;
  /** For the readiness check. */
  db: Database;
  /** Largest accepted body, express `limit` syntax (default `1mb`). */
  bodyLimit?: string;
  /** Host names answered to besides the loopback ones (`Host` allow-list). */
  allowedHosts?: readonly string[];
  /** Browser origins allowed to call cross-origin (CORS); default none. */
  corsOrigins?: readonly string[];
  /** Requests per minute per caller (default 600; 0: no limit). */
  rateLimitPerMinute?: number;
  /** A proxy is in front: the client address is the one it forwards (one hop). */
  trustProxy?: boolean;
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
  if (deps.trustProxy) app.set('trust proxy', 1);
  app.use(requestScope(deps.logger));
  app.use(hostGuard(deps.allowedHosts ?? []));
  app.use(originGuard(deps.corsOrigins ?? []));
  app.use(rejectMalformedPath);
  // Per client address, before anything costs a database read (a key lookup, a webhook's
  // HMAC): ten keys' worth, so a shared address does not starve its callers.
  app.use(rateLimit((deps.rateLimitPerMinute ?? 600) * 10));
  app.use(requireJsonBody);
  app.use(healthRoutes(deps.db));
  if (deps.sessions) {
    // The console's files hold no data; signing in is what exchanges a key for a session.
    app.use(consoleFiles());
    app.use(consoleSignIn(deps.sessions));
  }
  // Webhooks authenticate by their signature over the raw body, so they are parsed before the
  // JSON parser and before API-key authentication.
  app.use(eventRoutes(deps.events, deps.bodyLimit ?? '1mb'));
  // Everything else needs an API key; a request without one is refused before its body is read.
  app.use(authenticate(deps.keys, deps.sessions));
  // After authentication (which names the caller's key), before any body is read.
  app.use(rateLimit(deps.rateLimitPerMinute ?? 600));
  app.use(express.json({ limit: deps.bodyLimit ?? '1mb', strict: false }));
  // Each router registers full paths (`/v1/...`) from its operations (operation.ts), which
  // operations.ts also lists for the OpenAPI document.
  app.use(openApiRoutes(buildOpenApiDocument));
  if (deps.sessions) app.use(consoleSessionRoutes(deps.sessions));
  app.use(keyRoutes(deps.keys));
  app.use(workflowRoutes(deps.registry));
  app.use(runRoutes(deps.runs));
  app.use(childRunRoutes(deps.runs));
  if (deps.schedules) app.use(scheduleRoutes(deps.schedules));
  app.use(toolCallRoutes(deps.toolCalls));
  if (deps.breakers) app.use(breakerRoutes(deps.breakers));
  app.use(approvalRoutes(deps.approvals));
  app.use(deadLetterRoutes(deps.deadLetters));
  app.use(costRoutes(deps.costs));
  app.use(metricsRoutes({ db: deps.db }));
  app.use(runStreamRoutes(deps.streams));
  app.use(installationRoutes(deps.workers, deps.versions));
  app.use(notFound);
  app.use(auditRefusals(deps.keys));
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
