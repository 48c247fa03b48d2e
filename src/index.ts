/**
 * Waymark: durable execution for long-running AI-agent workflows, inside the Postgres
 * database the application already has. This is the package's only public entry.
 *
 * @example
 * ```ts
 * import { DBOS } from '@dbos-inc/dbos-sdk';
 * import { z } from 'zod';
 * import { db, defineWorkflow, startWaymark } from 'waymark';
 *
 * class Orders {
 *   @db.transaction()
 *   static async save(id: string) { await db.client('orders').insert({ id }); }
 *   @DBOS.workflow()
 *   static async place(input: { id: string }) { await Orders.save(input.id); return input.id; }
 * }
 * const placeOrder = defineWorkflow({ name: 'place-order', description: 'Places an order', input: z.object({ id: z.string() }), workflow: Orders.place });
 * const waymark = await startWaymark({ workflows: [placeOrder] });
 * await waymark.runs.start({ workflow: 'place-order', input: { id: 'o-1' } }, { actor: 'app' });
 * ```
 *
 * @module
 */
export type { WaymarkConfig } from './config.js';
export type { AppDeps } from './http/app.js';
export type { Caller, RunPage, RunView, TimelineEntry } from './service/runs.js';
export type { DatabaseHandle } from './runtime/database.js';
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from './runtime/embedded-postgres.js';
export type { TransactionConfig } from './runtime/knex-data-source.js';
export type { Migration, MigrationReport } from './runtime/migrate.js';
export type { Waymark, WaymarkOptions } from './runtime/runtime.js';
export type { WorkflowDefinition, WorkflowSpec } from './workflows.js';
export type { RetryPolicy, Tool, ToolEffect, ToolRunContext, ToolSpec } from './tools/define-tool.js';
export type { HttpRequestSpec, HttpToolSpec } from './tools/http-tool.js';
export type { ToolCallResolution } from './tools/call-tool.js';
export type { ResolveRequest, ToolCallView } from './service/tool-calls.js';
export type { ApprovalDecision, ApprovalRequest, AssigneeSpec, DecisionMessage } from './approvals/request-approval.js';
export type { ApprovalView, DecisionRequest } from './service/approvals.js';
export type { EventWaitResult, ReceivedEvent } from './events/wait-for-event.js';
export type { IngestResult } from './service/events.js';
export type { WorkerView } from './service/workers.js';
export type { DeadLetterView } from './service/dead-letters.js';
export type { VersionView } from './service/versions.js';
export type { Notification } from './notify/notifier.js';

export { loadConfig } from './config.js';
export {
  ConflictError,
  NonRetryableError,
  NotFoundError,
  RetryableError,
  SchemaVersionError,
  ToolCallFailedError,
  ValidationError,
  WaymarkError,
  ensureError,
} from './errors.js';
export { createApp } from './http/app.js';
export { RunPhase, WorkflowStatus } from './phases.js';
export { setRunPhase } from './run-phase.js';
export { openDatabase } from './runtime/database.js';
export { startEmbeddedPostgres } from './runtime/embedded-postgres.js';
export { KnexDataSource, db } from './runtime/knex-data-source.js';
export { assertSchemaCurrent, migrate } from './runtime/migrate.js';
export { RUN_QUEUE, startWaymark } from './runtime/runtime.js';
export { DEFAULT_TENANT, RunService } from './service/runs.js';
export { DEFAULT_RETRY_BUDGET, WorkflowRegistry, defineWorkflow } from './workflows.js';
export { ToolCallService } from './service/tool-calls.js';
export { ApprovalExpiredError, approvalTopic, requestApproval } from './approvals/request-approval.js';
export { ApprovalService } from './service/approvals.js';
export { WorkerService } from './service/workers.js';
export { DeadLetterService } from './service/dead-letters.js';
export { VersionService } from './service/versions.js';
export { EventService, SIGNATURE_HEADER, signWebhook } from './service/events.js';
export { eventTopic, waitForEvent } from './events/wait-for-event.js';
export { emailChannel, notify, webhookChannel } from './notify/notifier.js';
export { callTool, resolutionTopic } from './tools/call-tool.js';
export { DEFAULT_RETRY, DEFAULT_TOOL_TIMEOUT_MS, defineTool, findTool } from './tools/define-tool.js';
export { httpTool, retryAfterMs } from './tools/http-tool.js';
export { backoffMs } from './tools/retry-policy.js';
export { REDACTED, forkRunId, originRunId, redact, toolCallKey } from './tools/tool-keys.js';
