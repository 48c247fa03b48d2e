/**
 * Waymark: durable execution for long-running AI-agent workflows, inside the Postgres
 * database the application already has. This entry (`waymark`) is what workflow code needs:
 * the workflow declaration, the primitives called inside workflows, the data source for
 * business writes, the errors and the types. Servers import `waymark/server`; tests import
 * `waymark/testing`.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { Waymark, callTool, db, requestApproval } from 'waymark';
 *
 * const Order = z.object({ id: z.string(), cents: z.number().int() });
 * class Orders {
 *   @db.transaction()
 *   static async save(id: string) { await db.client('orders').insert({ id }); }
 *
 *   @Waymark.workflow({ name: 'place-order', description: 'Places an order', input: Order })
 *   static async place(input: z.infer<typeof Order>) {
 *     await Orders.save(input.id);
 *     const ok = await requestApproval({ title: `Charge ${input.cents}`, proposal: input, assignees: { roles: ['ops'] }, reminders: ['1d'] });
 *     if (ok.decision === 'approved') await callTool(chargeCard, { orderId: input.id, cents: input.cents });
 *   }
 * }
 * ```
 *
 * @packageDocumentation
 */
export type { WorkflowBudget, WorkflowDefinition, WorkflowFunction, WorkflowOptions, WorkflowSchedule } from './agent/workflows.js';
export type { TriggerDefinition, TriggerOptions } from './agent/triggers.js';
export type { StateMachine, WorkflowStates } from './store/state-rules.js';
export type { BreakerPolicy, BreakerSpec, RetryPolicy, RetryPolicySpec, Tool, ToolEffect, ToolRunContext, ToolSpec } from './agent/define-tool.js';
export type { HttpRequestSpec, HttpToolSpec } from './agent/http-tool.js';
export type { CallOptions, ToolCallResolution } from './agent/call-tool.js';
export type { DurableModelOptions } from './agent/durable-model.js';
export type { AgentResult, AgentStopReason, AgentTurnInfo, ExternalContent, RunAgentOptions } from './agent/run-agent.js';
export type { AgentToolSpec, AgentTools } from './agent/agent-tools.js';
export type { ConfidenceGate, ScreenHook, ScreenVerdict } from './agent/agent-gates.js';
export type { ContextPolicy } from './agent/agent-context.js';
export type { LoopPolicy } from './agent/loop-detector.js';
export type { Provenance } from './agent/agent-transcript.js';
export type { BudgetLimits, ModelPrice } from './config.js';
export type { ApprovalDecision, ApprovalRequest, AssigneeSpec } from './agent/request-approval.js';
export type { EventWaitResult, ReceivedEvent } from './agent/wait-for-event.js';
export type { ChildEnd, ChildHandle, ChildOutcome, FanIn, StartChildrenOptions, WaitForChildrenOptions } from './agent/child-runs.js';
export type { Notification, NotifyChannels } from './agent/notify.js';
export type { KnexDataSource, TransactionConfig } from './runtime/knex-data-source.js';
export type { AnyErrorCode, BudgetExceededDetails, ErrorCode } from './errors.js';
export type { Duration, DurationUnit } from './durations.js';
export type { PublicError } from './public-error.js';

export { DEFAULT_RETRY_BUDGET, Waymark } from './agent/workflows.js';
export { DEFAULT_MAX_CRASHES } from './agent/poison-guard.js';
export { DEFAULT_BREAKER, DEFAULT_RETRY, DEFAULT_TOOL_TIMEOUT_MS, defineTool } from './agent/define-tool.js';
export { httpTool } from './agent/http-tool.js';
export { callTool } from './agent/call-tool.js';
export { DEFAULT_MODEL_TIMEOUT_MS, durableModel } from './agent/durable-model.js';
export { runAgent } from './agent/run-agent.js';
export { requestApproval } from './agent/request-approval.js';
export { waitForEvent, type EventWaitOptions } from './agent/wait-for-event.js';
export { sleep } from './agent/durable-wait.js';
export { startChild, startChildren, waitForChild, waitForChildren } from './agent/child-runs.js';
export { configuredChannels, notify } from './agent/notify.js';
export { setRunPhase } from './agent/run-phase.js';
export { setState, type SetStateOptions } from './agent/set-state.js';
export { REDACTED } from './agent/tool-keys.js';
export { secret } from './agent/secret-fields.js';
export { db } from './runtime/knex-data-source.js';
export { RunPhase, WorkflowStatus } from './phases.js';
export {
  ApprovalExpiredError,
  BudgetExceededError,
  ConflictError,
  DatabaseError,
  ERROR_CODES,
  ModelCallFailedError,
  NonRetryableError,
  NotFoundError,
  PhaseTransitionError,
  RetryableError,
  RunEndedError,
  SchemaVersionError,
  StateTransitionError,
  ToolCallFailedError,
  UnauthorizedError,
  ValidationError,
  WaymarkError,
  ensureError,
} from './errors.js';
