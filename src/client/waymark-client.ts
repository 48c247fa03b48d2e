/**
 * @module client/waymark-client
 * A typed client of the HTTP API over `fetch`: every operation of the OpenAPI document by its
 * id (`client.call('getRun', { params: { id } })`), with named shortcuts for the usual ones.
 * Its types come from `api-types.ts`, generated from the document, so a change to a route's
 * schemas changes them. No runtime dependency; it imports nothing from the server.
 */
import { OPERATION_ROUTES, type components, type operations } from './api-types.js';

/** The longest one long poll for a result is held open (see `runs.result`). */
const RESULT_POLL_MS = 25_000;
const RUN_ENDED = new Set(['SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED']);
const UNIT_MS: Record<string, number> = { '': 1, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A wait as the API takes it (ms, or `'30s'`) in ms; undefined for what the server must judge. */
function durationMs(wait: string | number): number | undefined {
  if (typeof wait === 'number') return wait;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(wait.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2] ?? '']! : undefined;
}

/** An operation's id: `getRun`, `startRun`, ... */
export type OperationId = keyof operations;

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : undefined;
type Responses<O extends OperationId> = operations[O]['responses'];
type SuccessStatus<O extends OperationId> = Extract<keyof Responses<O>, 200 | 201 | 202 | 204>;

/** What an operation answers on success (the union of its 2xx bodies). */
export type OperationResult<O extends OperationId> = { [S in SuccessStatus<O>]: Json<Responses<O>[S]> }[SuccessStatus<O>];

type Parameters<O extends OperationId> = operations[O]['parameters'];
type Part<T> = [T] extends [undefined] ? never : Exclude<T, undefined>;
type BodyOf<O extends OperationId> = Json<Exclude<operations[O]['requestBody'], undefined>>;

/** What a call of an operation takes: its path parameters, query, headers and body. */
export type OperationArgs<O extends OperationId> = Omit<
  {
    params: Part<Parameters<O>['path']>;
    query: Part<Parameters<O>['query']>;
    headers: Part<Parameters<O>['header']>;
    body: BodyOf<O>;
  },
  never
>;
/** The arguments as a call passes them: parts an operation does not take are left out. */
export type CallArgs<O extends OperationId> = {
  [K in keyof OperationArgs<O> as [OperationArgs<O>[K]] extends [never] ? never : K]?: OperationArgs<O>[K];
};

/** A problem document (RFC 9457) as the server sent it. */
export type Problem = components['schemas']['Problem'];

/** An error code of the API (see docs/errors.md). */
export type ProblemCode = string;

/**
 * The server answered with a problem (4xx/5xx): `status`, the stable `code` and the whole
 * `problem` document; `requestId` is the `x-request-id` to quote in a report.
 *
 * @example
 * ```ts
 * try { await client.runs.get(id); }
 * catch (e) { if (e instanceof WaymarkApiError && e.code === 'run_not_found') return null; throw e; }
 * ```
 */
export class WaymarkApiError extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly problem: Problem;
  readonly requestId: string | undefined;

  constructor(problem: Problem, requestId: string | undefined) {
    super(problem.detail);
    this.name = 'WaymarkApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.problem = problem;
    this.requestId = requestId;
  }
}

/** Where the client connects and as whom. */
export interface WaymarkClientOptions {
  /** The server, e.g. `http://127.0.0.1:3000` (a path prefix is kept: `https://host/waymark`). */
  baseUrl: string;
  /**
   * An API key, sent as `Authorization: Bearer <key>`. Leave it out in a page served by the
   * Waymark server itself (the operator console): the browser then sends the console session's
   * cookie (fetch's default `credentials: 'same-origin'`) and `csrfToken` is needed.
   */
  apiKey?: string;
  /**
   * The console session's CSRF token (from `POST /console/session`), sent in `x-waymark-csrf`
   * with every state-changing request; read at each request, so it can change after sign-in.
   * Without it, a state-changing request without a body sends `x-waymark-csrf: 1`, which is
   * all a request with an API key needs.
   */
  csrfToken?: () => string | undefined;
  /** Another `fetch` (a proxy agent, a test double of the network); default the global one. */
  fetch?: typeof fetch;
  /** Headers sent with every request (e.g. `x-request-id`). */
  headers?: Record<string, string>;
}

/**
 * A client of one Waymark server, acting as one API key (or, in a page of that server, as the
 * browser's console session).
 *
 * @example
 * ```ts
 * import { WaymarkClient } from 'waymark/client';
 * const client = new WaymarkClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.WAYMARK_API_KEY! });
 * const run = await client.runs.start({ workflow: 'claims.chase', input: { claimId: 'c-1' } });
 * const same = await client.call('getRun', { params: { id: run.id } });
 *
 * // In a page the Waymark server serves, signed in with the session cookie:
 * let csrf = '';
 * const browser = new WaymarkClient({ baseUrl: '', csrfToken: () => csrf });
 * csrf = (await browser.call('signInConsole', { body: { apiKey } })).csrfToken ?? '';
 * ```
 */
export class WaymarkClient {
  readonly #base: string;
  readonly #fetch: typeof fetch;
  readonly #headers: Record<string, string>;
  readonly #csrfToken: (() => string | undefined) | undefined;

  constructor(opts: WaymarkClientOptions) {
    this.#base = opts.baseUrl.replace(/\/+$/, '');
    // Called as a plain function: a browser's fetch refuses to run with the client as `this`.
    const f = opts.fetch ?? fetch;
    this.#fetch = (input, init) => f(input, init);
    this.#headers = { ...opts.headers, ...(opts.apiKey === undefined ? {} : { authorization: `Bearer ${opts.apiKey}` }) };
    this.#csrfToken = opts.csrfToken;
  }

  /**
   * Calls an operation by its id; resolves with its 2xx body, rejects with a
   * {@link WaymarkApiError} for a problem answer (and with fetch's own error when the server
   * cannot be reached).
   */
  async call<O extends OperationId>(operationId: O, args: CallArgs<O> = {}): Promise<OperationResult<O>> {
    const [method, template] = OPERATION_ROUTES[operationId];
    const { params, query, headers, body } = args as { params?: Record<string, string>; query?: Record<string, string | number | boolean | undefined>; headers?: Record<string, string>; body?: unknown };
    const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params?.[name] ?? ''));
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) search.set(k, String(v));
    const url = `${this.#base}${path}${search.size ? `?${search.toString()}` : ''}`;
    const stateChanging = method !== 'GET';
    const csrf = stateChanging ? this.#csrfToken?.() : undefined;
    const res = await this.#fetch(url, {
      method,
      headers: {
        ...this.#headers,
        ...headers,
        accept: 'application/json, application/problem+json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        // A state-changing request without a body says it is no browser form (the CSRF guard);
        // with the console's cookie, every state-changing request carries the session's token.
        ...(csrf ? { 'x-waymark-csrf': csrf } : stateChanging && body === undefined ? { 'x-waymark-csrf': '1' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? parseJson(text) : undefined;
    if (!res.ok) throw new WaymarkApiError(asProblem(res, parsed, text), res.headers.get('x-request-id') ?? undefined);
    return parsed as OperationResult<O>;
  }

  /** Runs: start, read, list and operate. */
  readonly runs = {
    start: (body: OperationArgs<'startRun'>['body'], opts: { idempotencyKey?: string } = {}) =>
      this.call('startRun', { body, headers: opts.idempotencyKey === undefined ? undefined : { 'idempotency-key': opts.idempotencyKey } }),
    list: (query: OperationArgs<'listRuns'>['query'] = {}) => this.call('listRuns', { query }),
    get: (id: string) => this.call('getRun', { params: { id } }),
    /**
     * The run once it has ended, waiting up to `wait` (`'30s'`, ms; at most 10 minutes); a run
     * still going at the end of the wait comes back as it is then (check its `status`). A wait
     * longer than 25 s is made of several long polls: fetch gives up on an answer whose headers
     * take 300 s, and proxies often cut a request idle for 60 s.
     */
    result: async (id: string, query: OperationArgs<'getRunResult'>['query'] = {}) => {
      const waitMs = query.wait === undefined ? undefined : durationMs(query.wait);
      if (waitMs === undefined || waitMs <= RESULT_POLL_MS) return this.call('getRunResult', { params: { id }, query });
      const deadline = Date.now() + waitMs;
      for (;;) {
        const run = await this.call('getRunResult', { params: { id }, query: { ...query, wait: Math.min(Math.max(0, deadline - Date.now()), RESULT_POLL_MS) } });
        if (RUN_ENDED.has(run.status) || Date.now() >= deadline) return run;
      }
    },
    timeline: (id: string) => this.call('getRunTimeline', { params: { id } }),
    /** The runs `id` started with `startChildren` (`list({ parent: id })` pages them as runs). */
    children: (id: string) => this.call('getRunChildren', { params: { id } }),
    transcript: (id: string, query: OperationArgs<'getRunTranscript'>['query'] = {}) => this.call('getRunTranscript', { params: { id }, query }),
    cancel: (id: string) => this.call('cancelRun', { params: { id } }),
    resume: (id: string) => this.call('resumeRun', { params: { id } }),
    fork: (id: string, body: OperationArgs<'forkRun'>['body']) => this.call('forkRun', { params: { id }, body }),
    cost: (id: string) => this.call('getRunCost', { params: { id } }),
  };

  /** The tenant's cron schedules. */
  readonly schedules = {
    list: () => this.call('listSchedules'),
    create: (body: OperationArgs<'createSchedule'>['body']) => this.call('createSchedule', { body }),
    get: (name: string) => this.call('getSchedule', { params: { name } }),
    pause: (name: string) => this.call('pauseSchedule', { params: { name } }),
    resume: (name: string) => this.call('resumeSchedule', { params: { name } }),
    delete: (name: string) => this.call('deleteSchedule', { params: { name } }),
  };

  /** Tool calls: a run's ledger, the tenant's calls by status, resolving in-doubt calls. */
  readonly toolCalls = {
    list: (runId: string) => this.call('listToolCalls', { params: { id: runId } }),
    /** The tenant's calls in one status, across runs (default `in_doubt`: waiting for a person). */
    byStatus: (query: OperationArgs<'listToolCallsByStatus'>['query'] = {}) => this.call('listToolCallsByStatus', { query }),
    resolve: (runId: string, key: string, body: OperationArgs<'resolveToolCall'>['body']) => this.call('resolveToolCall', { params: { id: runId, key }, body }),
  };

  /** Circuit breakers of tools (shared by every tenant; only the installation's operators change them). */
  readonly breakers = {
    list: () => this.call('listBreakers'),
    /** Closes the breaker (default), or `{ state: 'open' }` forces it open until a reset. */
    reset: (name: string, body: OperationArgs<'resetBreaker'>['body'] = {}) => this.call('resetBreaker', { params: { name }, body }),
  };

  /** Approvals and the inbox. */
  readonly approvals = {
    list: (query: OperationArgs<'listApprovals'>['query'] = {}) => this.call('listApprovals', { query }),
    inbox: (query: OperationArgs<'getInbox'>['query'] = {}) => this.call('getInbox', { query }),
    get: (id: string) => this.call('getApproval', { params: { id } }),
    decide: (id: string, body: OperationArgs<'decideApproval'>['body']) => this.call('decideApproval', { params: { id }, body }),
  };

  /** Runs that failed for good. */
  readonly deadLetters = {
    list: (query: OperationArgs<'listDeadLetters'>['query'] = {}) => this.call('listDeadLetters', { query }),
    get: (runId: string) => this.call('getDeadLetter', { params: { runId } }),
    retry: (runId: string, body: OperationArgs<'retryDeadLetter'>['body'] = {}) => this.call('retryDeadLetter', { params: { runId }, body }),
    discard: (runId: string, body: OperationArgs<'discardDeadLetter'>['body']) => this.call('discardDeadLetter', { params: { runId }, body }),
  };

  /** The tenant's API keys and audit log (admin). */
  readonly keys = {
    list: () => this.call('listKeys'),
    create: (body: OperationArgs<'createKey'>['body']) => this.call('createKey', { body }),
    revoke: (id: string) => this.call('revokeKey', { params: { id } }),
    auditLog: (query: OperationArgs<'getAuditLog'>['query'] = {}) => this.call('getAuditLog', { query }),
  };

  /** Who the server takes this client's key for. */
  me(): Promise<OperationResult<'getMe'>> {
    return this.call('getMe');
  }

  /** The workflows a run can start. */
  workflows(): Promise<OperationResult<'listWorkflows'>> {
    return this.call('listWorkflows');
  }

  /** Workers and their leases (admins of the installation's tenant). */
  workers(): Promise<OperationResult<'listWorkers'>> {
    return this.call('listWorkers');
  }

  /** Application versions holding runs (admins of the installation's tenant). */
  versions(): Promise<OperationResult<'listVersions'>> {
    return this.call('listVersions');
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The problem document of a failed answer; one made up when a proxy sent something else. */
function asProblem(res: Response, body: unknown, text: string): Problem {
  if (body !== null && typeof body === 'object' && typeof (body as Problem).code === 'string' && typeof (body as Problem).status === 'number') {
    return body as Problem;
  }
  return {
    type: 'about:blank',
    title: res.statusText || 'Error',
    status: res.status,
    detail: `HTTP ${res.status} without a problem document${text ? `: ${text.slice(0, 200)}` : ''}`,
    code: 'http_error',
  };
}
