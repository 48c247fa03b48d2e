/**
 * @module http/response-schemas
 * What the API answers, as zod schemas for the OpenAPI document (responses are not parsed at run
 * time: the services build them). Each is checked at compile time against the service type it
 * describes (`sameShape`), so a field added to or dropped from a view fails `tsc` until the
 * schema says the same.
 */
import { z } from 'zod';
import type { PublicError } from '../public-error.js';
import type { ApiKeyView, AuditView } from '../service/api-keys.js';
import type { ApprovalView } from '../service/approvals.js';
import type { BreakerView } from '../service/breakers.js';
import type { CostReport, RunCostView } from '../service/costs.js';
import type { DeadLetterView } from '../service/dead-letters.js';
import type { IngestResult } from '../service/events.js';
import type { ChildView, RunPage, RunView, TimelineEntry } from '../service/runs.js';
import type { ScheduleView } from '../service/schedules.js';
import type { ToolCallView } from '../service/tool-calls.js';
import type { ConsoleSessionView } from './routes-console-session.js';
import type { TranscriptPage } from '../service/transcripts.js';
import type { VersionView } from '../service/versions.js';
import type { WorkerView } from '../service/workers.js';
import type { StateMachine } from '../store/state-rules.js';

/**
 * Compile-time check that a schema's output and a service type are assignable both ways.
 * (`readonly` arrays in service types are compared as plain arrays.)
 */
type Mutable<T> = T extends readonly (infer E)[] ? Mutable<E>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
type Same<A, B> = [Mutable<A>] extends [Mutable<B>] ? ([Mutable<B>] extends [Mutable<A>] ? true : false) : false;
function sameShape<_T extends true>(): void {}

const iso = z.string().describe('ISO 8601 date-time');
const isoOrNull = iso.nullable();

/** An error as it may be served (name, code, message; never a stack). */
export const PublicErrorSchema = z
  .object({
    name: z.string(),
    message: z.string(),
    code: z.string().optional(),
    sqlState: z.string().optional(),
    retryable: z.boolean().optional(),
    retryAfterMs: z.number().optional(),
  })
  .meta({ id: 'PublicError' });
sameShape<Same<z.output<typeof PublicErrorSchema>, PublicError>>();

export const RunSchema = z
  .object({
    id: z.string(),
    workflow: z.string(),
    tenantId: z.string(),
    status: z.string().describe('DBOS execution status: ENQUEUED, PENDING, SUCCESS, ERROR, CANCELLED, ...'),
    phase: z.string().describe('Waymark business phase'),
    state: z.string().nullable().describe("The run's own business state, as its workflow declared them (null: it declares none)"),
    parked: z.boolean().describe('True while the run waits parked: no execution in any worker; the answer or its next timer resumes it'),
    input: z.unknown(),
    output: z.unknown(),
    error: PublicErrorSchema.nullable(),
    idempotencyKey: z.string().nullable(),
    businessKey: z.string().nullable().describe('What the run is about in the business (`lead:123`), as given at start'),
    forkedFrom: z.string().nullable(),
    parentRunId: z.string().nullable().describe('The run that started this one as its child; its children: `GET /v1/runs/{id}/children`'),
    appVersion: z.string().nullable(),
    executorId: z.string().nullable(),
    createdBy: z.string(),
    createdAt: iso,
    updatedAt: iso,
    startedAt: isoOrNull,
    completedAt: isoOrNull,
    priority: z.number().int().describe('Queue priority: 0 runs first, 1000 last (default 500)'),
    partitionKey: z.string().nullable().describe('The partition key it was started with (workflows declared partitioned)'),
  })
  .meta({ id: 'Run' });
sameShape<Same<z.output<typeof RunSchema>, RunView>>();

export const RunPageSchema = z.object({
  runs: z.array(RunSchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});
sameShape<Same<z.output<typeof RunPageSchema>, RunPage>>();

export const ChildRunSchema = z
  .object({
    id: z.string(),
    workflow: z.string(),
    status: z.string().describe('DBOS execution status; DELAYED while the concurrency cap holds the child back'),
    phase: z.string(),
    parked: z.boolean(),
    held: z.boolean().describe('Waiting for a place under its call\'s concurrency cap'),
    groupId: z.string().describe('The startChildren call that started it: `<parent>:<step>`'),
    position: z.number().describe('Its index in that call'),
    businessKey: z.string().nullable(),
    createdAt: iso,
    endedAt: isoOrNull,
  })
  .meta({ id: 'ChildRun' });
sameShape<Same<z.output<typeof ChildRunSchema>, ChildView>>();

export const ChildRunsSchema = z.object({ runId: z.string(), children: z.array(ChildRunSchema) });

export const TimelineEntrySchema = z
  .object({
    type: z.enum(['step', 'event', 'tool_call']),
    at: iso,
    name: z.string(),
    stepId: z.number().optional(),
    startedAt: isoOrNull.optional(),
    endedAt: isoOrNull.optional(),
    output: z.unknown().optional(),
    error: PublicErrorSchema.nullable().optional(),
    childRunId: z.string().nullable().optional(),
    actor: z.string().optional(),
    fromPhase: z.string().nullable().optional(),
    toPhase: z.string().nullable().optional(),
    reason: z.string().nullable().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'TimelineEntry' });
sameShape<Same<z.output<typeof TimelineEntrySchema>, TimelineEntry>>();

export const TimelineSchema = z.object({ runId: z.string(), entries: z.array(TimelineEntrySchema) });

export const ToolCallSchema = z
  .object({
    key: z.string(),
    runId: z.string(),
    ownerRunId: z.string(),
    stepId: z.number(),
    tool: z.string(),
    effect: z.string(),
    idempotent: z.boolean(),
    status: z.string(),
    attempts: z.number(),
    args: z.unknown(),
    result: z.unknown(),
    lastError: PublicErrorSchema.nullable(),
    nextAttemptAt: isoOrNull,
    resolution: z.unknown(),
    createdAt: iso,
    startedAt: isoOrNull,
    finishedAt: isoOrNull,
  })
  .meta({ id: 'ToolCall' });
sameShape<Same<z.output<typeof ToolCallSchema>, ToolCallView>>();

export const ToolCallListSchema = z.object({ runId: z.string(), toolCalls: z.array(ToolCallSchema) });

export const ToolCallsByStatusSchema = z.object({ toolCalls: z.array(ToolCallSchema) });

export const BreakerSchema = z
  .object({
    name: z.string(),
    state: z.enum(['closed', 'open', 'half_open']),
    failures: z.number().describe('Transient failures in a row counted so far'),
    openedAt: isoOrNull.describe('When this opening began'),
    nextProbeAt: isoOrNull.describe('When the next call may probe the dependency (open, not forced)'),
    probeUntil: isoOrNull.describe('Until when the half-open probe holds the breaker'),
    forced: z.boolean().describe('Forced open by an operator: no probe until a reset'),
    lastFailureAt: isoOrNull,
    lastError: PublicErrorSchema.nullable(),
    escalatedAt: isoOrNull.describe('When operators were alerted that it stays open'),
    waitingCalls: z.number().describe("Calls of the caller's tenant waiting on it"),
    tools: z.array(z.string()).describe('Tools of the answering process that declare it'),
  })
  .meta({ id: 'Breaker' });
sameShape<Same<z.output<typeof BreakerSchema>, BreakerView>>();

export const BreakerListSchema = z.object({ breakers: z.array(BreakerSchema) });

export const TranscriptMessageSchema = z
  .object({
    thread: z.string(),
    seq: z.number(),
    turn: z.number(),
    role: z.enum(['system', 'user', 'assistant', 'tool']),
    kind: z.enum(['message', 'summary']),
    content: z.unknown().describe("The model message's content (secret fields redacted)"),
    provenance: z
      .object({ trusted: z.literal(false), source: z.string().describe('e.g. `tool:crm.lookup`, `webhook:stripe`') })
      .nullable()
      .describe("Where untrusted content came from; null for the workflow's own prompt and the model's answers"),
    createdAt: iso,
  })
  .meta({ id: 'TranscriptMessage' });

export const TranscriptPageSchema = z.object({
  runId: z.string(),
  messages: z.array(TranscriptMessageSchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});
sameShape<Same<z.output<typeof TranscriptPageSchema>, TranscriptPage>>();

export const ApprovalSchema = z
  .object({
    id: z.string(),
    runId: z.string(),
    title: z.string(),
    status: z.string(),
    proposal: z.unknown(),
    editSchema: z.record(z.string(), z.unknown()).nullable(),
    assignees: z.object({ users: z.array(z.string()), roles: z.array(z.string()) }),
    escalationLevel: z.number(),
    remindersSent: z.number(),
    deadlineAt: isoOrNull,
    deadlineOutcome: z.string().nullable(),
    decidedBy: z.string().nullable(),
    decidedAt: isoOrNull,
    comment: z.string().nullable(),
    edits: z.unknown(),
    value: z.unknown(),
    diff: z.unknown(),
    createdAt: iso,
  })
  .meta({ id: 'Approval' });
sameShape<Same<z.output<typeof ApprovalSchema>, ApprovalView>>();

export const ApprovalPageSchema = z.object({ approvals: z.array(ApprovalSchema), nextCursor: z.string().nullable() });

export const DeadLetterSchema = z
  .object({
    runId: z.string(),
    workflow: z.string(),
    cause: z.string(),
    status: z.string(),
    createdAt: iso,
    error: PublicErrorSchema.nullable(),
    failingStep: z.object({ id: z.number(), name: z.string(), error: PublicErrorSchema.nullable() }).nullable(),
    toolFailure: z
      .object({
        tool: z.string().optional(),
        key: z.string().optional(),
        attempts: z.number().optional(),
        lastError: PublicErrorSchema.nullable().optional(),
        cause: z.string().optional(),
        reason: z.string().optional(),
      })
      .nullable(),
    retryFromStep: z.number(),
    toolAttempts: z.number(),
    recoveryAttempts: z.number(),
    resolvedBy: z.string().nullable(),
    resolvedAt: isoOrNull,
    resolution: z.string().nullable(),
    retryRunId: z.string().nullable(),
  })
  .meta({ id: 'DeadLetter' });
sameShape<Same<z.output<typeof DeadLetterSchema>, DeadLetterView>>();

export const DeadLetterPageSchema = z.object({ deadLetters: z.array(DeadLetterSchema), nextCursor: z.string().nullable() });

export const ApiKeySchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    name: z.string(),
    roles: z.array(z.string()),
    createdAt: iso,
    createdBy: z.string(),
    revokedAt: isoOrNull,
    revokedBy: z.string().nullable(),
    lastUsedAt: isoOrNull,
  })
  .meta({ id: 'ApiKey' });
sameShape<Same<z.output<typeof ApiKeySchema>, ApiKeyView>>();

export const CreatedApiKeySchema = z.object({
  key: z.string().describe('The secret, shown once: send it as `Authorization: Bearer <key>`'),
  apiKey: ApiKeySchema,
});

export const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: iso,
    actor: z.string(),
    keyId: z.string().nullable(),
    action: z.string(),
    target: z.string().nullable(),
    requestId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'AuditEntry' });
sameShape<Same<z.output<typeof AuditEntrySchema>, AuditView>>();

export const AuditPageSchema = z.object({
  entries: z.array(AuditEntrySchema),
  nextBefore: z.string().nullable().describe('Pass as `before` for older entries; null when there are none'),
});

export const ConsoleSessionSchema = z
  .object({
    name: z.string(),
    tenantId: z.string(),
    roles: z.array(z.string()),
    keyId: z.string(),
    csrfToken: z.string().nullable().describe('Send in `x-waymark-csrf` with state-changing requests made with the cookie; null with an API key'),
    expiresAt: isoOrNull.describe('When the session ends; null with an API key'),
  })
  .meta({ id: 'ConsoleSession' });
sameShape<Same<z.output<typeof ConsoleSessionSchema>, ConsoleSessionView>>();

export const MeSchema = z.object({ name: z.string(), tenantId: z.string(), roles: z.array(z.string()), keyId: z.string() });

export const StateMachineSchema = z
  .object({
    initial: z.string().describe('The state a run starts in'),
    states: z.array(z.string()).describe('Every declared state'),
    transitions: z.array(z.object({ from: z.string().describe("A state, or '*' for any state"), to: z.string() })).describe('The allowed moves'),
    events: z.array(z.object({ type: z.string(), to: z.string() })).describe('Event types that move a run (when delivered to one of its waits), and where to'),
  })
  .meta({ id: 'StateMachine' });
sameShape<Same<z.output<typeof StateMachineSchema>, StateMachine>>();

export const WorkflowListSchema = z.object({
  workflows: z.array(
    z.object({
      name: z.string(),
      description: z.string(),
      inputSchema: z.record(z.string(), z.unknown()).describe("JSON Schema of the workflow's input"),
      states: StateMachineSchema.nullable().describe('The business states the workflow declares (null: none)'),
    }),
  ),
});

const CostTotalsSchema = z
  .object({
    calls: z.number(),
    attempts: z.number(),
    inputTokens: z.number(),
    outputTokens: z.number(),
    cachedInputTokens: z.number(),
    reasoningTokens: z.number(),
    cost: z.number().nullable(),
    unpricedAttempts: z.number(),
  })
  .meta({ id: 'CostTotals' });
const usage = z.object({ tokens: z.number(), cost: z.number(), calls: z.number() });

export const RunCostSchema = z.object({
  runId: z.string(),
  workflow: z.string(),
  totals: CostTotalsSchema,
  calls: z.array(
    z.object({
      callSite: z.number(),
      attempt: z.number(),
      stepId: z.number(),
      name: z.string(),
      provider: z.string(),
      model: z.string(),
      mode: z.string(),
      status: z.string(),
      inputTokens: z.number().nullable(),
      outputTokens: z.number().nullable(),
      cachedInputTokens: z.number().nullable(),
      reasoningTokens: z.number().nullable(),
      cost: z.number().nullable(),
      latencyMs: z.number().nullable(),
      finishReason: z.string().nullable(),
      error: z.unknown(),
      createdAt: iso,
      finishedAt: isoOrNull,
    }),
  ),
  budgets: z.array(
    z.object({
      scope: z.enum(['run', 'workflow_day', 'tenant_day']),
      key: z.string(),
      limits: z.object({ tokens: z.number().nullable(), cost: z.number().nullable(), calls: z.number().nullable() }),
      reserved: usage,
      spent: usage,
    }),
  ),
});
sameShape<Same<z.output<typeof RunCostSchema>, RunCostView>>();

export const CostReportSchema = z.object({
  groupBy: z.enum(['workflow', 'tenant', 'day']),
  from: isoOrNull,
  to: isoOrNull,
  groups: z.array(CostTotalsSchema.extend({ key: z.string().describe('The workflow name, tenant id or UTC day (YYYY-MM-DD)') })),
  totals: CostTotalsSchema,
});
sameShape<Same<z.output<typeof CostReportSchema>, CostReport>>();

export const IngestResultSchema = z.object({
  source: z.string(),
  eventId: z.string(),
  duplicate: z.boolean(),
  deliveredTo: z.array(z.string()),
  notDelivered: z.array(z.object({ runId: z.string(), runStatus: z.string().nullable() })),
  triggeredRuns: z.array(z.string()).describe("The runs the event's triggers start (the same ids on a repeated delivery, which starts nothing new)"),
});
sameShape<Same<z.output<typeof IngestResultSchema>, IngestResult>>();

export const ScheduleSchema = z
  .object({
    name: z.string(),
    workflow: z.string(),
    cron: z.string(),
    timezone: z.string(),
    input: z.unknown(),
    businessKey: z.string().nullable(),
    partitionKey: z.string().nullable().describe('The partition key of every run it starts'),
    priority: z.number().nullable().describe('The priority of every run it starts (null: the default, 500)'),
    catchUp: z.enum(['skip', 'all']),
    maxCatchUp: z.number(),
    declared: z.boolean().describe('Declared in code (a start-up rewrites its definition; pausing it sticks)'),
    nextTickAt: iso.describe('The next tick that will start a run (while paused: the one it would have)'),
    lastTickAt: isoOrNull,
    lastRunId: z.string().nullable(),
    lastError: z.string().nullable().describe('Why the last due tick started no run; null when it did'),
    paused: z.boolean(),
    pausedAt: isoOrNull,
    pausedBy: z.string().nullable(),
    createdBy: z.string(),
    createdAt: iso,
  })
  .meta({ id: 'Schedule' });
sameShape<Same<z.output<typeof ScheduleSchema>, ScheduleView>>();

export const ScheduleListSchema = z.object({ schedules: z.array(ScheduleSchema) });

export const WorkerListSchema = z.object({
  workers: z.array(
    z.object({
      executorId: z.string(),
      appName: z.string(),
      appVersion: z.string(),
      host: z.string(),
      pid: z.number(),
      status: z.string(),
      startedAt: iso,
      heartbeatAt: iso,
      leaseExpiresAt: iso,
      pendingRuns: z.number(),
      adoptedBy: z.string().nullable(),
      adoptedAt: isoOrNull,
      adoptedRuns: z.number().nullable(),
    }),
  ),
});
sameShape<Same<z.output<typeof WorkerListSchema>['workers'][number], WorkerView>>();

export const VersionListSchema = z.object({
  versions: z.array(
    z.object({
      appVersion: z.string(), inFlight: z.number(), queued: z.number(), executing: z.number(),
      parked: z.number().describe('Waiting runs whose execution ended (a message or their timer resumes them)'),
      liveWorkers: z.array(z.string()),
    }),
  ),
});
sameShape<Same<z.output<typeof VersionListSchema>['versions'][number], VersionView>>();

export const HealthSchema = z.object({ status: z.enum(['ok', 'ready']) });

/** The OpenAPI document itself (any JSON object). */
export const OpenApiDocumentSchema = z.record(z.string(), z.unknown());
