/**
 * @module service/tool-calls
 * Reading a run's tool calls and resolving an in-doubt call: the resolution and the message
 * that wakes the waiting run are written in one transaction.
 */
import type { DBOSClient } from '@dbos-inc/dbos-sdk';
import { resolutionTopic, type ToolCallResolution } from '../agent/call-tool.js';
import type { ToolCatalog } from '../agent/define-tool.js';
import { redact } from '../agent/tool-keys.js';
import { formatIssues } from '../agent/workflows.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { publicError, type PublicError } from '../public-error.js';
import type { Scope } from '../scope.js';
import type { Database } from '../store/gateway.js';
import { requestWake } from '../store/parked-runs.js';
import { resumeClaimed, type WakeDeps } from './parked-runs.js';
import { appendRunEvent, getRun, resumeRunningPhase } from '../store/runs.js';
import { listToolCalls, listToolCallsByStatus, lockToolCall, resolveToolCallRow, type ToolCallRow } from '../store/tool-calls.js';
import { metrics } from '../telemetry/metrics.js';

/** A ledger entry as clients see it. */
export interface ToolCallView {
  key: string;
  runId: string;
  ownerRunId: string;
  stepId: number;
  tool: string;
  effect: string;
  idempotent: boolean;
  status: string;
  attempts: number;
  args: unknown;
  result: unknown;
  lastError: PublicError | null;
  nextAttemptAt: string | null;
  resolution: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A person's decision on an in-doubt call. */
export interface ResolveRequest {
  happened: boolean;
  /** The call's result when it happened; validated against the tool's output schema. */
  output?: unknown;
  comment?: string | undefined;
}

/**
 * Tool-call operations for the API and the CLI.
 *
 * @example
 * ```ts
 * await toolCalls.resolve(scope, runId, key, { happened: false });
 * ```
 */
export class ToolCallService {
  readonly #db: Database;
  readonly #dbos: DBOSClient;
  readonly #tools: ToolCatalog;
  readonly #wake: WakeDeps;

  constructor(deps: { db: Database; dbos: DBOSClient; tools: ToolCatalog; queueName: string }) {
    this.#db = deps.db;
    this.#dbos = deps.dbos;
    this.#tools = deps.tools;
    this.#wake = { db: deps.db, dbos: deps.dbos, queueName: deps.queueName };
  }

  /** The calls a run made or executes. */
  async list(scope: Scope, runId: string): Promise<ToolCallView[]> {
    const rows = await this.#db.read(scope, async (q) => {
      if (!(await getRun(q, scope.tenantId, runId))) throw new NotFoundError('run_not_found', `No run with id '${runId}'`);
      return listToolCalls(q, scope.tenantId, runId);
    });
    return rows.map(toView);
  }

  /** The tenant's calls in one status, oldest first: `in_doubt` lists what waits for a person. */
  async listByStatus(scope: Scope, status: string, limit = 50): Promise<ToolCallView[]> {
    return (await this.#db.read(scope, (q) => listToolCallsByStatus(q, scope.tenantId, status, limit))).map(toView);
  }

  /**
   * Resolves an in-doubt call of a waiting run: "it happened, here is the result" (the run
   * continues with it) or "it did not happen" (the run calls the tool again).
   */
  async resolve(scope: Scope, runId: string, key: string, req: ResolveRequest): Promise<ToolCallView> {
    const { tenantId } = scope;
    const woken = await this.#db.tx(scope, async (client) => {
      if (!(await getRun(client, tenantId, runId))) throw new NotFoundError('run_not_found', `No run with id '${runId}'`);
      const call = await lockToolCall(client, tenantId, key);
      if (!call || call.owner_run_id !== runId) throw new NotFoundError('tool_call_not_found', `Run '${runId}' has no tool call with key '${key}'`);
      if (call.status !== 'in_doubt') {
        throw new ConflictError('tool_call_not_in_doubt', `Tool call '${key}' is ${call.status}, not in doubt; only in-doubt calls can be resolved`);
      }
      let output: unknown;
      if (req.happened) {
        const tool = this.#tools.find(call.tool);
        if (!tool) throw new ConflictError('tool_unknown', `Tool '${call.tool}' is not defined in this process, so its result cannot be validated`);
        const parsed = tool.output.safeParse(req.output);
        if (!parsed.success) {
          throw new ValidationError(`The output does not match tool '${call.tool}': ${formatIssues(parsed.error)}`, {
            issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
          }, 'invalid_output');
        }
        output = parsed.data;
        await resolveToolCallRow(client, tenantId, key, { happened: true, result: redact(output, tool.secret), by: scope.actor, comment: req.comment });
      } else {
        await resolveToolCallRow(client, tenantId, key, { happened: false, by: scope.actor, comment: req.comment });
      }
      await appendRunEvent(client, {
        runId, tenantId, kind: 'tool_call_resolved', actor: scope.actor, reason: req.comment,
        data: { key, tool: call.tool, happened: req.happened },
      });
      const message: ToolCallResolution = req.happened ? { happened: true, output } : { happened: false };
      // The run is running again from the resolution on (not from a step after it wakes).
      await resumeRunningPhase(client, runId, scope.actor, `Tool call '${call.tool}' resolved: ${req.happened ? 'it happened' : 'it did not happen, retrying'}`, { tool: call.tool, key });
      await this.#dbos.sendInTransaction(client, runId, message, resolutionTopic(key), `resolve:${key}:${call.attempts}`);
      return (await requestWake(client, runId)) ? [runId] : [];
    });
    await resumeClaimed(this.#wake, scope, woken);
    metrics.interventions.inc({ action: 'in_doubt_resolved' });
    scope.log.info({ runId, tenantId, toolKey: key, happened: req.happened }, 'in-doubt tool call resolved');
    const updated = (await this.#db.read(scope, (q) => listToolCalls(q, tenantId, runId))).find((c) => c.key === key);
    return toView(updated!);
  }
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toView(r: ToolCallRow): ToolCallView {
  return {
    key: r.key, runId: r.run_id, ownerRunId: r.owner_run_id, stepId: r.step_id, tool: r.tool, effect: r.effect,
    idempotent: r.idempotent, status: r.status, attempts: r.attempts, args: r.args, result: r.result, lastError: publicError(r.last_error),
    nextAttemptAt: iso(r.next_attempt_at), resolution: r.resolution, createdAt: r.created_at.toISOString(),
    startedAt: iso(r.started_at), finishedAt: iso(r.finished_at),
  };
}
