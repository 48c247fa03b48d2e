/**
 * @module http/operations
 * Every operation of the HTTP API, in the order the OpenAPI document lists them. A route file
 * exports its operations as one object (`runOperations`, ...); a new route file adds its object
 * here. `test/openapi.test.ts` fails when the app answers a route that is not in this list (the
 * console's static page and files, `console-static.ts`, are not API operations: the test lists
 * them apart).
 */
import type { Operation } from './operation.js';
import { approvalOperations } from './routes-approvals.js';
import { breakerOperations } from './routes-breakers.js';
import { consoleSessionOperations } from './routes-console-session.js';
import { costOperations } from './routes-costs.js';
import { deadLetterOperations } from './routes-dead-letters.js';
import { eventOperations } from './routes-events.js';
import { healthOperations } from './routes-health.js';
import { installationOperations } from './routes-installation.js';
import { keyOperations } from './routes-keys.js';
import { metricsOperations } from './routes-metrics.js';
import { openApiOperations } from './routes-openapi.js';
import { runStreamOperations } from './routes-run-stream.js';
import { runOperations } from './routes-runs.js';
import { childRunOperations } from './routes-child-runs.js';
import { scheduleOperations } from './routes-schedules.js';
import { toolCallOperations } from './routes-tool-calls.js';
import { workflowOperations } from './routes-workflows.js';

/** All operations the API serves. */
export const API_OPERATIONS: readonly Operation[] = [
  healthOperations,
  openApiOperations,
  keyOperations,
  workflowOperations,
  runOperations,
  childRunOperations,
  runStreamOperations,
  scheduleOperations,
  toolCallOperations,
  breakerOperations,
  approvalOperations,
  eventOperations,
  deadLetterOperations,
  costOperations,
  installationOperations,
  metricsOperations,
  consoleSessionOperations,
].flatMap((group: Record<string, Operation>) => Object.values(group));
