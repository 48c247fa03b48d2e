/**
 * @module client
 * The public entry `waymark/client`: a typed client of Waymark's HTTP API, for applications and
 * scripts that talk to a Waymark server. It imports nothing from the server side.
 *
 * @example
 * ```ts
 * import { WaymarkClient, WaymarkApiError } from 'waymark/client';
 * const client = new WaymarkClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.WAYMARK_API_KEY! });
 * const { runs } = await client.runs.list({ phase: 'waiting_for_approval' });
 * ```
 */
export { WaymarkClient, WaymarkApiError } from './client/waymark-client.js';
export type { CallArgs, OperationArgs, OperationId, OperationResult, Problem, ProblemCode, WaymarkClientOptions } from './client/waymark-client.js';
export type { components, operations, paths } from './client/api-types.js';

import type { components } from './client/api-types.js';
/** A run as the API returns it. */
export type Run = components['schemas']['Run'];
/** An approval as the API returns it. */
export type Approval = components['schemas']['Approval'];
/** A tool-call ledger entry as the API returns it. */
export type ToolCall = components['schemas']['ToolCall'];
/** A dead letter as the API returns it. */
export type DeadLetter = components['schemas']['DeadLetter'];
/** An API key as the API returns it (never its secret). */
export type ApiKey = components['schemas']['ApiKey'];
