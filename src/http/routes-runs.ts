/**
 * @module http/routes-runs
 * Start, read, list and operate runs.
 */
import { Router } from 'express';
import { z } from 'zod';
import { RunPhase, WorkflowStatus } from '../phases.js';
import type { RunService } from '../service/runs.js';
import { defineOperation, parseOperation, route } from './operation.js';
import { toMs, type Duration } from '../durations.js';
import { scopeOf } from './request-scope.js';
import { STATE_NAME } from '../store/state-rules.js';
import { RunPageSchema, RunSchema, TimelineSchema, TranscriptPageSchema } from './response-schemas.js';

const RunId = z.object({ id: z.string().min(1).max(200) });
const EmptyBody = z.strictObject({});
/** A bound of the creation time: a date (midnight UTC) or a date-time with an offset. */
const CreatedBound = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).transform((s) => new Date(s));
const Location = { location: 'The run: /v1/runs/{id}' };
/** A business key: what a run is about (`lead:123`). */
const BusinessKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
/** A partition key, deduplication id or debounce key. */
const QueueKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
/** The longest `GET /v1/runs/{id}/result` waits (10 minutes). */
const MAX_RESULT_WAIT_MS = 600_000;

/** The run operations, as the routes and the OpenAPI document use them. */
export const runOperations = {
  startRun: defineOperation({
    method: 'post', path: '/v1/runs', operationId: 'startRun', tag: 'runs', permission: 'operate',
    summary: 'Start a run',
    description: 'Validates the input against the workflow\'s schema and enqueues the run, in one transaction. ' +
      'With an `Idempotency-Key`, a repeated request returns the run the first one started (200). ' +
      'Queue controls: `priority` orders a tenant\'s queued runs (0 first, 1000 last, default 500); `partitionKey` is required ' +
      'by workflows declared partitioned (422 `partition_key_required` otherwise, nothing written); `deduplicationId` refuses ' +
      'the start (409 `run_deduplicated`, naming the run) while a run of the workflow with that id has not ended; `debounce` ' +
      'folds starts with its key into the delayed run of that key (200 with that run: it executes once, `delayMs` after the ' +
      'last start, with the latest input).',
    headers: z.object({
      'idempotency-key': z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').optional()
        .describe('Return the earlier run for a repeated key (unique per tenant)'),
    }),
    body: z.strictObject({
      workflow: z.string().min(1).max(200),
      input: z.unknown().optional(),
      id: z.string().min(1).max(128).optional()
        .describe("The run's id (default a random UUID): letters, digits and `. _ : @ -`; unique across the installation (409 run_id_taken when any run has it)"),
      businessKey: BusinessKey.optional()
        .describe('What the run is about in the business (`lead:123`): `GET /v1/runs?key=` lists by it'),
      priority: z.number().int().min(0).max(1000).optional()
        .describe("Order among the tenant's queued runs of the workflow's queue: 0 runs first, 1000 last (default 500)"),
      partitionKey: QueueKey.optional()
        .describe('The partition of a workflow declared partitioned (`customer:42`): its partition limits hold per key. Required for those, refused for others'),
      deduplicationId: QueueKey.optional()
        .describe('While a run of this workflow with this id has not ended, another start with it is refused (409 run_deduplicated)'),
      debounce: z.strictObject({
        key: QueueKey,
        delayMs: z.number().int().min(1).max(7 * 86_400_000).describe('The run executes this long after the last start with its key'),
      }).optional().describe('Fold starts with this key into one delayed run, executed once with the latest input'),
    }),
    responses: {
      201: { description: 'The run was started', schema: RunSchema, headers: Location },
      200: { description: 'The run an earlier request with this Idempotency-Key started, or the delayed run a debounced start folded into', schema: RunSchema, headers: Location },
    },
    errors: [
      'workflow_not_found', 'invalid_input', 'invalid_run_id', 'invalid_business_key', 'run_id_taken',
      'idempotency_key_reused', 'idempotency_conflict', 'tenant_run_limit', 'tenant_runs_in_flight',
      'partition_key_required', 'invalid_queue_options', 'run_deduplicated',
    ],
  }),
  listRuns: defineOperation({
    method: 'get', path: '/v1/runs', operationId: 'listRuns', tag: 'runs', permission: 'read',
    summary: 'List runs, newest first',
    query: z.strictObject({
      status: z.enum(Object.values(WorkflowStatus) as [string, ...string[]]).optional(),
      phase: z.enum(Object.values(RunPhase) as [string, ...string[]]).optional(),
      state: z.string().regex(STATE_NAME, 'must be a state name: lower-case words joined by _ or - (at most 64 characters)').optional()
        .describe("Only runs in this business state of their workflow's own (`confirmed`)"),
      workflow: z.string().min(1).max(200).optional(),
      idempotencyKey: z.string().min(1).max(255).optional()
        .describe('The idempotency key the run was started with (an order number, a claim id ...)'),
      key: z.string().min(1).max(255).optional().describe('The business key the run was started with: which runs touched `lead:123`'),
      parent: z.string().min(1).max(200).optional().describe('Only the child runs of this run'),
      from: CreatedBound.optional().describe('Created at or after: a date (midnight UTC) or a date-time with an offset'),
      to: CreatedBound.optional().describe('Created before: a date (midnight UTC) or a date-time with an offset'),
      limit: z.coerce.number().int().min(1).max(200).default(20),
      cursor: z.string().min(1).max(500).optional(),
    }),
    responses: { 200: { description: 'A page of runs', schema: RunPageSchema } },
    errors: ['invalid_cursor'],
  }),
  getRun: defineOperation({
    method: 'get', path: '/v1/runs/{id}', operationId: 'getRun', tag: 'runs', permission: 'read',
    summary: 'A run', params: RunId,
    responses: { 200: { description: 'The run', schema: RunSchema } },
    errors: ['run_not_found'],
  }),
  getRunResult: defineOperation({
    method: 'get', path: '/v1/runs/{id}/result', operationId: 'getRunResult', tag: 'runs', permission: 'read',
    summary: "A run's result, waiting for it to end",
    description: 'A long poll: answers 200 with the run (its output or error) as soon as it has ended, or 202 with its ' +
      'state when `wait` is over (then ask again). Without `wait` it answers at once.',
    params: RunId,
    query: z.strictObject({
      wait: z.union([z.string().regex(/^\d+(ms|s|m)$/), z.coerce.number().int().min(0)]).optional()
        .describe('How long to wait for the end: `30s`, `2m`, `500ms` or milliseconds; at most 10 minutes (default 0)'),
    }),
    responses: {
      200: { description: 'The run has ended (succeeded, failed, cancelled or given up)', schema: RunSchema },
      202: { description: 'The run had not ended when the wait was over: its current state', schema: RunSchema },
    },
    errors: ['run_not_found', 'invalid_duration'],
  }),
  getRunTimeline: defineOperation({
    method: 'get', path: '/v1/runs/{id}/timeline', operationId: 'getRunTimeline', tag: 'runs', permission: 'read',
    summary: "A run's timeline: steps, events and tool calls in order", params: RunId,
    responses: { 200: { description: 'The timeline', schema: TimelineSchema } },
    errors: ['run_not_found'],
  }),
  getRunTranscript: defineOperation({
    method: 'get', path: '/v1/runs/{id}/transcript', operationId: 'getRunTranscript', tag: 'runs', permission: 'read',
    summary: "A page of a run's agent transcripts (every thread, or one), in (thread, sequence) order", params: RunId,
    query: z.strictObject({
      thread: z.string().regex(/^[\w.:-]{1,100}$/).optional().describe('Only this thread'),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().min(1).max(500).optional(),
    }),
    responses: { 200: { description: 'A page of transcript messages', schema: TranscriptPageSchema } },
    errors: ['run_not_found', 'invalid_cursor'],
  }),
  cancelRun: defineOperation({
    method: 'post', path: '/v1/runs/{id}/cancel', operationId: 'cancelRun', tag: 'runs', permission: 'operate',
    summary: 'Cancel a queued, executing or waiting (also parked) run', params: RunId, body: EmptyBody, bodyOptional: true,
    responses: { 200: { description: 'The cancelled run', schema: RunSchema } },
    errors: ['run_not_found', 'run_not_cancellable'],
  }),
  resumeRun: defineOperation({
    method: 'post', path: '/v1/runs/{id}/resume', operationId: 'resumeRun', tag: 'runs', permission: 'operate',
    summary: 'Resume a cancelled or failed run from its last checkpoint', params: RunId, body: EmptyBody, bodyOptional: true,
    responses: { 200: { description: 'The resumed run', schema: RunSchema } },
    errors: ['run_not_found', 'run_not_resumable', 'run_compensated'],
  }),
  forkRun: defineOperation({
    method: 'post', path: '/v1/runs/{id}/fork', operationId: 'forkRun', tag: 'runs', permission: 'operate',
    summary: 'Start a new run from a step of an existing one (earlier steps are replayed)', params: RunId,
    body: z.strictObject({ fromStep: z.number().int().min(0).max(2_147_483_647), appVersion: z.string().min(1).max(200).optional() }),
    responses: { 201: { description: 'The fork', schema: RunSchema, headers: Location } },
    errors: ['run_not_found', 'invalid_from_step', 'fork_inside_wait', 'run_compensated'],
  }),
};

/**
 * Run routes.
 *
 * @example
 * ```ts
 * app.use(runRoutes(runService));
 * ```
 */
export function runRoutes(runs: RunService): Router {
  const r = Router();
  const ops = runOperations;

  route(r, ops.startRun, async (req, res) => {
    const { headers, body } = parseOperation(ops.startRun, req);
    const { run, created } = await runs.start(scopeOf(res), {
      workflow: body.workflow, input: body.input ?? {}, idempotencyKey: headers['idempotency-key'], id: body.id, businessKey: body.businessKey,
      priority: body.priority, partitionKey: body.partitionKey, deduplicationId: body.deduplicationId, debounce: body.debounce,
    });
    res.status(created ? 201 : 200).location(`/v1/runs/${run.id}`).json(run);
  });

  route(r, ops.listRuns, async (req, res) => {
    const { key, parent, ...q } = parseOperation(ops.listRuns, req).query;
    res.json(await runs.list(scopeOf(res), { ...q, businessKey: key, parentRunId: parent }));
  });

  route(r, ops.getRun, async (req, res) => {
    res.json(await runs.get(scopeOf(res), parseOperation(ops.getRun, req).params.id));
  });

  // Long poll: answers as soon as the run ends (200), or with its state when the wait is over (202).
  route(r, ops.getRunResult, async (req, res) => {
    const { params, query } = parseOperation(ops.getRunResult, req);
    const timeoutMs = Math.min(query.wait === undefined ? 0 : toMs(query.wait as Duration, 'wait'), MAX_RESULT_WAIT_MS);
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const { done, run } = await runs.result(scopeOf(res), params.id, { timeoutMs, signal: gone.signal });
    if (gone.signal.aborted) return;
    res.status(done ? 200 : 202).json(run);
  });

  route(r, ops.getRunTimeline, async (req, res) => {
    const { id } = parseOperation(ops.getRunTimeline, req).params;
    res.json({ runId: id, entries: await runs.timeline(scopeOf(res), id) });
  });

  route(r, ops.getRunTranscript, async (req, res) => {
    const { params, query } = parseOperation(ops.getRunTranscript, req);
    res.json(await runs.transcript(scopeOf(res), params.id, query));
  });

  route(r, ops.cancelRun, async (req, res) => {
    res.json(await runs.cancel(scopeOf(res), parseOperation(ops.cancelRun, req).params.id));
  });

  route(r, ops.resumeRun, async (req, res) => {
    res.json(await runs.resume(scopeOf(res), parseOperation(ops.resumeRun, req).params.id));
  });

  route(r, ops.forkRun, async (req, res) => {
    const { params, body } = parseOperation(ops.forkRun, req);
    const run = await runs.fork(scopeOf(res), params.id, body.fromStep, { appVersion: body.appVersion });
    res.status(201).location(`/v1/runs/${run.id}`).json(run);
  });

  return r;
}
