/**
 * @module http/operation
 * One declaration per HTTP operation: its method and path, the permission it needs, the zod
 * schemas of its path parameters, query, headers and body, its answers and the error codes it
 * may return. The same object registers the Express route ({@link route}), validates the request
 * ({@link parseOperation}) and describes the operation in the OpenAPI document (`openapi.ts`), so
 * the three cannot drift apart.
 */
import type { RequestHandler, Router } from 'express';
import type { z } from 'zod';
import type { ErrorCode } from '../errors.js';
import type { Permission } from '../roles.js';
import { allow } from './request-scope.js';
import { parseRequest } from './validate.js';

/** An answer of an operation other than a problem. */
export interface OperationResponse {
  description: string;
  /**
   * The JSON body; absent for a body the document describes only by `contentType`, and (with
   * no `contentType` either) for an answer without a body (204).
   */
  schema?: z.ZodType;
  /** Default `application/json`. */
  contentType?: string;
  /** Response headers worth naming (e.g. `location`). */
  headers?: Record<string, string>;
}

/** How a caller proves who it is. */
export type OperationAuth =
  /**
   * `Authorization: Bearer <API key>` (or, without that header, the console's session cookie),
   * plus `permission` when given (any key otherwise).
   */
  | 'apiKey'
  /** An HMAC signature over the raw body (webhooks). */
  | 'webhookSignature'
  /** Nothing (health checks; the console's sign-in, whose key is in the body). */
  | 'none';

/** What {@link defineOperation} takes. */
export interface OperationSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The full path in OpenAPI form: `/v1/runs/{id}`. */
  path: `/${string}`;
  /** Unique, camelCase: the client's and the document's name for the operation. */
  operationId: string;
  summary: string;
  description?: string;
  /** The document's grouping (`runs`, `approvals`, ...). */
  tag: string;
  /** Default `apiKey`. */
  auth?: OperationAuth;
  /** Checked by {@link route} with `allow(permission)`; absent: any authenticated key. */
  permission?: Permission;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Lower-case header names. Unknown headers are ignored, not refused. */
  headers?: z.ZodObject;
  body?: z.ZodType;
  /** A body may be left out (default: required when `body` is given). */
  bodyOptional?: boolean;
  /**
   * The handler reads the raw bytes (a signed webhook) and the service parses them: `body`
   * describes them for the document, and {@link parseOperation} leaves the body alone.
   */
  rawBody?: boolean;
  /** Answers by status, at least one 2xx. */
  responses: Record<number, OperationResponse>;
  /** The codes this operation itself may answer with, beyond those every route shares. */
  errors?: readonly ErrorCode[];
}

/** An operation: its spec, frozen. */
export type Operation<S extends OperationSpec = OperationSpec> = Readonly<S>;

/**
 * Declares an operation (typed, so the schemas keep their types for {@link parseOperation}).
 *
 * @example
 * ```ts
 * export const getRun = defineOperation({
 *   method: 'get', path: '/v1/runs/{id}', operationId: 'getRun', summary: 'A run', tag: 'runs',
 *   permission: 'read', params: RunId, responses: { 200: { description: 'The run', schema: Run } },
 *   errors: ['run_not_found'],
 * });
 * ```
 */
export function defineOperation<const S extends OperationSpec>(spec: S): Operation<S> {
  return Object.freeze(spec);
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** A request's parts as the operation's schemas parsed them. */
export interface ParsedRequest<S extends OperationSpec> {
  params: Out<S['params']>;
  query: Out<S['query']>;
  headers: Out<S['headers']>;
  body: S['rawBody'] extends true ? undefined : S['bodyOptional'] extends true ? Out<S['body']> | undefined : Out<S['body']>;
}

/**
 * Parses a request's parameters, query, headers and body with the operation's schemas, in that
 * order; the first part that does not parse is a 422 problem naming its fields. A part the
 * operation declares no schema for is not read (and not refused).
 *
 * @example
 * ```ts
 * const { params, body } = parseOperation(forkRun, req);
 * ```
 */
export function parseOperation<S extends OperationSpec>(
  op: Operation<S>,
  req: { params: unknown; query: unknown; headers: unknown; body: unknown },
): ParsedRequest<S> {
  const params = op.params ? parseRequest(op.params, req.params, 'params') : undefined;
  const query = op.query ? parseRequest(op.query, req.query, 'query') : undefined;
  const headers = op.headers ? parseRequest(op.headers, req.headers, 'headers') : undefined;
  const body = op.body && !op.rawBody && !(op.bodyOptional && req.body === undefined) ? parseRequest(op.body, req.body, 'body') : undefined;
  return { params, query, headers, body } as ParsedRequest<S>;
}

/** `/v1/runs/{id}` → `/v1/runs/:id` */
export function expressPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

/**
 * Registers an operation on a router mounted at the root: its method, its path and, for
 * operations that need one, its permission check before `handlers`.
 *
 * @example
 * ```ts
 * route(r, getRun, async (req, res) => {
 *   const { params } = parseOperation(getRun, req);
 *   res.json(await runs.get(scopeOf(res), params.id));
 * });
 * ```
 */
export function route(router: Router, op: Operation, ...handlers: RequestHandler[]): void {
  const guards = op.permission ? [allow(op.permission)] : [];
  router[op.method](expressPath(op.path), ...guards, ...handlers);
}
