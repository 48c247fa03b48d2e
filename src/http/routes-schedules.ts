/**
 * @module http/routes-schedules
 * Cron schedules of the caller's tenant: list and read (`read`), create, pause, resume and
 * delete (`operate`).
 */
import { Router } from 'express';
import { z } from 'zod';
import type { ScheduleService } from '../service/schedules.js';
import { defineOperation, parseOperation, route } from './operation.js';
import { scopeOf } from './request-scope.js';
import { ScheduleListSchema, ScheduleSchema } from './response-schemas.js';

const Name = z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9]*(?:[-_.][a-z0-9]+)*$/).max(100) });
const EmptyBody = z.strictObject({});

/** The schedule operations, as the routes and the OpenAPI document use them. */
export const scheduleOperations = {
  listSchedules: defineOperation({
    method: 'get', path: '/v1/schedules', operationId: 'listSchedules', tag: 'schedules', permission: 'read',
    summary: "The tenant's schedules, by name, with their next and last tick",
    responses: { 200: { description: 'The schedules', schema: ScheduleListSchema } },
  }),
  createSchedule: defineOperation({
    method: 'post', path: '/v1/schedules', operationId: 'createSchedule', tag: 'schedules', permission: 'operate',
    summary: 'Create a schedule: a run of the workflow at every tick of the cron expression',
    description: 'Its first tick is the first cron time after now. The input is checked against the workflow now, ' +
      'not first at the tick. Each tick starts one run, with an id made from the schedule and the tick.',
    body: z.strictObject({
      name: z.string().min(1).max(100).describe("Unique in the tenant: lower-case words joined by '-', '_' or '.'"),
      workflow: z.string().min(1).max(200),
      cron: z.string().min(1).max(200).describe('Five fields (minute hour day-of-month month day-of-week), e.g. `0 9 * * 1-5`'),
      timezone: z.string().min(1).max(100).optional().describe('IANA time zone of the cron expression (default UTC)'),
      input: z.unknown().optional().describe('The input of every run (default {})'),
      businessKey: z.string().min(1).max(255).optional().describe('The business key of every run'),
      partitionKey: z.string().min(1).max(255).optional()
        .describe('The partition key of every run: required when the workflow is declared partitioned, refused otherwise'),
      priority: z.number().int().min(0).max(1000).optional().describe('The priority of every run: 0 (first) to 1000 (last); default 500'),
      catchUp: z.enum(['skip', 'all']).optional().describe('After downtime: skip (run only the latest missed tick, the default) or all'),
      maxCatchUp: z.number().int().min(1).max(1000).optional().describe('The most missed ticks catch-up `all` runs (default 100)'),
    }),
    responses: { 201: { description: 'The schedule', schema: ScheduleSchema, headers: { location: 'The schedule: /v1/schedules/{name}' } } },
    errors: ['invalid_schedule', 'invalid_business_key', 'workflow_not_found', 'invalid_input', 'partition_key_required', 'invalid_queue_options', 'schedule_name_taken'],
  }),
  getSchedule: defineOperation({
    method: 'get', path: '/v1/schedules/{name}', operationId: 'getSchedule', tag: 'schedules', permission: 'read',
    summary: 'A schedule', params: Name,
    responses: { 200: { description: 'The schedule', schema: ScheduleSchema } },
    errors: ['schedule_not_found'],
  }),
  pauseSchedule: defineOperation({
    method: 'post', path: '/v1/schedules/{name}/pause', operationId: 'pauseSchedule', tag: 'schedules', permission: 'operate',
    summary: 'Stop a schedule from starting runs until it is resumed', params: Name, body: EmptyBody, bodyOptional: true,
    responses: { 200: { description: 'The paused schedule', schema: ScheduleSchema } },
    errors: ['schedule_not_found'],
  }),
  resumeSchedule: defineOperation({
    method: 'post', path: '/v1/schedules/{name}/resume', operationId: 'resumeSchedule', tag: 'schedules', permission: 'operate',
    summary: 'Let a paused schedule tick again from the next cron time (the ticks it missed are not run)', params: Name,
    body: EmptyBody, bodyOptional: true,
    responses: { 200: { description: 'The resumed schedule', schema: ScheduleSchema } },
    errors: ['schedule_not_found'],
  }),
  deleteSchedule: defineOperation({
    method: 'delete', path: '/v1/schedules/{name}', operationId: 'deleteSchedule', tag: 'schedules', permission: 'operate',
    summary: 'Delete a schedule (the runs it started stay; one declared in code comes back at the next start-up)', params: Name,
    responses: { 204: { description: 'Deleted' } },
    errors: ['schedule_not_found'],
  }),
};

/**
 * Schedule routes.
 *
 * @example
 * ```ts
 * app.use(scheduleRoutes(scheduleService));
 * ```
 */
export function scheduleRoutes(schedules: ScheduleService): Router {
  const r = Router();
  const ops = scheduleOperations;

  route(r, ops.listSchedules, async (_req, res) => {
    res.json({ schedules: await schedules.list(scopeOf(res)) });
  });

  route(r, ops.createSchedule, async (req, res) => {
    const s = await schedules.create(scopeOf(res), parseOperation(ops.createSchedule, req).body);
    res.status(201).location(`/v1/schedules/${s.name}`).json(s);
  });

  route(r, ops.getSchedule, async (req, res) => {
    res.json(await schedules.get(scopeOf(res), parseOperation(ops.getSchedule, req).params.name));
  });

  route(r, ops.pauseSchedule, async (req, res) => {
    res.json(await schedules.pause(scopeOf(res), parseOperation(ops.pauseSchedule, req).params.name));
  });

  route(r, ops.resumeSchedule, async (req, res) => {
    res.json(await schedules.resume(scopeOf(res), parseOperation(ops.resumeSchedule, req).params.name));
  });

  route(r, ops.deleteSchedule, async (req, res) => {
    await schedules.delete(scopeOf(res), parseOperation(ops.deleteSchedule, req).params.name);
    res.status(204).end();
  });

  return r;
}
