/**
 * Waymark's server entry (`waymark/server`): start Waymark in a process (worker, HTTP API, or
 * both), the services behind the API and the CLI, the Express app factory, configuration and
 * migrations — and, re-exported, everything of the authoring entry `waymark`.
 *
 * @example
 * ```ts
 * import { startWaymark } from 'waymark/server';
 * import { Orders } from './orders.js';
 *
 * const waymark = await startWaymark({ workflows: [Orders.place], http: true });
 * const app = waymark.as({ actor: 'shop' });
 * const { run } = await app.runs.start({ workflow: 'place-order', input: { id: 'o-1', cents: 1200 } });
 * ```
 *
 * @packageDocumentation
 */
// A server is also where workflows are written: everything of the authoring entry, too.
export * from './index.js';
export type { CallerInit, ScopedWaymark, WaymarkOptions, WaymarkServer } from './app/start-waymark.js';
export type { Bound } from './app/bind-scope.js';
export type { LogLevel, TracingConfig, WaymarkConfig } from './config.js';
export type { WorkflowRegistry } from './agent/workflows.js';
export type { ToolCatalog } from './agent/define-tool.js';
export type { Clock } from './runtime/clock.js';
export type { Logger } from './logger.js';
export type { InstallationKeys } from './installation-keys.js';
export type { PublicError } from './public-error.js';
export type { Scope, ScopeInit, TenantScope } from './scope.js';
export type { AppDeps } from './http/app.js';
export type { ChildView, RunPage, RunResult, RunServiceDeps, RunView, StartedRun, StartRunRequest, TimelineEntry, WaitOptions } from './service/runs.js';
export type { DeclaredScheduleSpec, ScheduleDeps, ScheduleRequest, ScheduleView } from './service/schedules.js';
export type { RunStartDeps } from './service/run-start.js';
export type { CatchUpPolicy, CronSpec } from './store/schedule-rules.js';
export type { TranscriptMessageView, TranscriptPage, TranscriptQuery } from './service/transcripts.js';
export type { StoredProvenance } from './store/transcripts.js';
export type { ResolveRequest, ToolCallView } from './service/tool-calls.js';
export type { BreakerDeps, BreakerView, ResetBreakerRequest } from './service/breakers.js';
export type { BreakerState } from './store/breaker-rules.js';
export type { ApprovalView, DecisionRequest } from './service/approvals.js';
export type { IngestResult } from './service/events.js';
export type { WorkerView } from './service/workers.js';
export type { DeadLetterView } from './service/dead-letters.js';
export type { VersionView } from './service/versions.js';
export type { ApiKeyView, AuditView, Principal } from './service/api-keys.js';
export type { Permission, Role } from './roles.js';
export type { CostGroupView, CostQuery, CostReport, CostTotals, ModelCallView, RunCostView } from './service/costs.js';
export type { BudgetCounterView, BudgetScope } from './store/budgets.js';
export type { FollowOptions, OpenedRunStream, RunStreamEvent } from './service/run-stream.js';
export type { RunStreamWatch } from './store/run-stream-listener.js';
export type { Database, DatabaseOptions, Tx, TxOptions } from './store/gateway.js';
export type { DatabaseHandle } from './runtime/database.js';
export type { Migration, MigrationReport } from './store/migrate.js';
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from './runtime/embedded-postgres.js';

export { startWaymark } from './app/start-waymark.js';
export { createScope, DEFAULT_TENANT } from './scope.js';
export { loadConfig, parseModelPrices } from './config.js';
export { createApp } from './http/app.js';
export { assertSchemaCurrent, migrate } from './store/migrate.js';
export { openDatabase } from './runtime/database.js';
export { startEmbeddedPostgres } from './runtime/embedded-postgres.js';
export { RunService } from './service/runs.js';
export { ScheduleService, scheduleRunId } from './service/schedules.js';
export { ToolCallService } from './service/tool-calls.js';
export { BreakerService } from './service/breakers.js';
export { ApprovalService } from './service/approvals.js';
export { EventService, SIGNATURE_HEADER, eventRunId, signWebhook } from './service/events.js';
export { WorkerService } from './service/workers.js';
export { DeadLetterService } from './service/dead-letters.js';
export { VersionService } from './service/versions.js';
export { ApiKeyService } from './service/api-keys.js';
export { ROLES, allows } from './roles.js';
export { CostService } from './service/costs.js';
export { RunStreamService } from './service/run-stream.js';
export { RunStreamListener } from './store/run-stream-listener.js';
