/**
 * @module http/routes-runs
 * Start, read, list and operate runs.
 */
import { Router } from 'express';
import { z } from 'zod';
import { RunPhase, WorkflowStatus } from '../phases.js';
import type { RunService } from '../service/runs.js';
import { scopeOf } from './request-scope.js';
import { parseRequest } from './validate.js';

const RunId = z.object({ id: z.string().min(1).max(200) });
const StartRunBody = z.strictObject({
  workflow: z.string().min(1).max(200),
  input: z.unknown().optional(),
});
const IdempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
const ListQuery = z.strictObject({
  status: z.enum(Object.values(WorkflowStatus) as [string, ...string[]]).optional(),
  phase: z.enum(Object.values(RunPhase) as [string, ...string[]]).optional(),
  workflow: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  cursor: z.string().min(1).max(500).optional(),
});
const ForkBody = z.strictObject({ fromStep: z.number().int().min(0).max(2_147_483_647), appVersion: z.string().min(1).max(200).optional() });
const EmptyBody = z.union([z.undefined(), z.strictObject({})]);

/**
 * Run routes.
 *
 * @example
 * ```ts
 * app.use('/v1', runRoutes(runService));
 * ```
 */
export function runRoutes(runs: RunService): Router {
  const r = Router();

  r.post('/runs', async (req, res) => {
    const body = parseRequest(StartRunBody, req.body, 'body');
    const header = req.get('idempotency-key');
    const idempotencyKey = header === undefined ? undefined : parseRequest(IdempotencyKey, header, 'headers');
    const { run, created } = await runs.start(scopeOf(res), { workflow: body.workflow, input: body.input ?? {}, idempotencyKey });
    res.status(created ? 201 : 200).location(`/v1/runs/${run.id}`).json(run);
  });

  r.get('/runs', async (req, res) => {
    const q = parseRequest(ListQuery, req.query, 'query');
    res.json(await runs.list(scopeOf(res), q));
  });

  r.get('/runs/:id', async (req, res) => {
    const { id } = parseRequest(RunId, req.params, 'params');
    res.json(await runs.get(scopeOf(res), id));
  });

  r.get('/runs/:id/timeline', async (req, res) => {
    const { id } = parseRequest(RunId, req.params, 'params');
    res.json({ runId: id, entries: await runs.timeline(scopeOf(res), id) });
  });

  r.post('/runs/:id/cancel', async (req, res) => {
    const { id } = parseRequest(RunId, req.params, 'params');
    parseRequest(EmptyBody, req.body, 'body');
    res.json(await runs.cancel(scopeOf(res), id));
  });

  r.post('/runs/:id/resume', async (req, res) => {
    const { id } = parseRequest(RunId, req.params, 'params');
    parseRequest(EmptyBody, req.body, 'body');
    res.json(await runs.resume(scopeOf(res), id));
  });

  r.post('/runs/:id/fork', async (req, res) => {
    const { id } = parseRequest(RunId, req.params, 'params');
    const { fromStep, appVersion } = parseRequest(ForkBody, req.body, 'body');
    const run = await runs.fork(scopeOf(res), id, fromStep, { appVersion });
    res.status(201).location(`/v1/runs/${run.id}`).json(run);
  });

  return r;
}
