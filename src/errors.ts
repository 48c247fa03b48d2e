/**
 * @module errors
 * Every error Waymark raises on purpose, in one place: a stable string `code` from
 * {@link ERROR_CODES} that clients and logs can match on, an HTTP status, and the `cause`.
 * `docs/errors.md` is the same catalogue as a table (a unit test keeps the two in step).
 */

/**
 * The catalogue of Waymark's error codes: HTTP status and what the code means.
 *
 * @example
 * ```ts
 * ERROR_CODES.run_not_found.status; // 404
 * ```
 */
export const ERROR_CODES = {
  // Requests and input
  validation_failed: { status: 422, summary: 'A value failed validation; nothing was changed.' },
  invalid_input: { status: 422, summary: "A run's input does not match its workflow's schema." },
  invalid_body: { status: 422, summary: 'The request body does not match what the route takes.' },
  invalid_query: { status: 422, summary: 'A query parameter is invalid.' },
  invalid_params: { status: 422, summary: 'A path parameter is invalid.' },
  invalid_headers: { status: 422, summary: 'A header is invalid (e.g. an Idempotency-Key with spaces).' },
  invalid_cursor: { status: 422, summary: 'The cursor is not one returned as nextCursor.' },
  invalid_from_step: { status: 422, summary: 'fromStep must be a non-negative integer.' },
  invalid_edits: { status: 422, summary: "A reviewer's edits do not match the approval's edit schema." },
  edits_not_allowed: { status: 422, summary: 'Edits were sent with a rejection, or the approval allows none.' },
  invalid_output: { status: 422, summary: "The output given for an in-doubt call does not match the tool's schema." },
  invalid_event: { status: 422, summary: 'A webhook body is not a valid event.' },
  invalid_configuration: { status: 422, summary: 'An environment variable or option is invalid.' },
  invalid_run_id: { status: 422, summary: "A chosen run id is malformed or in a form Waymark reserves ('sched:', 'event:', 'child:', '.fork.', '.compensation')." },
  invalid_business_key: { status: 422, summary: 'A business key must be 1-255 printable characters without spaces.' },
  partition_key_required: { status: 422, summary: "The workflow is partitioned (its queue declares partition limits): give the run a partitionKey; nothing was started." },
  invalid_queue_options: { status: 422, summary: 'Queue options of a start are invalid: a partitionKey for a workflow that is not partitioned, a priority out of range, or options that exclude each other.' },
  invalid_schedule: { status: 422, summary: "A schedule's cron expression, time zone, input or catch-up policy is invalid." },
  invalid_duration: { status: 422, summary: "A duration is neither milliseconds nor a string like '30s' or '3d'." },
  invalid_value: { status: 400, summary: 'A value cannot be stored (for example a NUL character in a string).' },
  malformed_json: { status: 400, summary: 'A body or option is not valid JSON.' },
  invalid_arguments: { status: 400, summary: 'Command-line arguments are missing or contradict each other.' },
  body_too_large: { status: 413, summary: 'The request body exceeds the configured limit.' },
  unsupported_media_type: { status: 415, summary: 'Request bodies must be application/json.' },
  unsupported_encoding: { status: 415, summary: 'The request body encoding is not supported.' },
  route_not_found: { status: 404, summary: 'No route matches the method and path.' },
  invalid_signature: { status: 401, summary: 'A webhook signature is missing, malformed, wrong or too old.' },
  unauthenticated: { status: 401, summary: 'No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked).' },
  forbidden: { status: 403, summary: "The key's roles do not grant what the request needs; the refusal is in the audit log." },
  not_an_assignee: { status: 403, summary: 'Only an assignee of the approval (by name or role) or an admin may decide it.' },
  authority_revoked: { status: 403, summary: "A run's write was not made: the key that started it was revoked and no admin approved the call." },
  actor_mismatch: { status: 403, summary: 'A `by` field names someone other than the authenticated principal.' },
  malformed_request: { status: 400, summary: 'The request is not valid HTTP (request line or headers).' },
  headers_too_large: { status: 431, summary: 'The request headers are too large.' },
  request_timeout: { status: 408, summary: 'The request was not received in time.' },
  malformed_path: { status: 400, summary: 'The path has malformed percent-encoding.' },
  malformed_body: { status: 400, summary: 'The request body could not be decoded (truncated or corrupt compression, wrong charset).' },
  host_not_allowed: { status: 421, summary: 'The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS).' },
  cross_origin_request: { status: 403, summary: 'A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.' },
  csrf_token_invalid: { status: 403, summary: "A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf." },
  csrf_header_required: { status: 403, summary: 'A state-changing request needs a JSON body or the header x-waymark-csrf: 1.' },
  rate_limited: { status: 429, summary: 'Too many requests from this caller; wait for Retry-After seconds.' },
  tenant_run_limit: { status: 429, summary: 'The tenant started as many runs this minute as it may (WAYMARK_TENANT_RUNS_PER_MINUTE); wait for Retry-After seconds.' },
  tenant_runs_in_flight: { status: 429, summary: 'The tenant has as many unfinished runs as it may (WAYMARK_TENANT_RUNS_IN_FLIGHT); wait for some to finish.' },
  // Things that do not exist
  run_not_found: { status: 404, summary: 'No run with this id in the tenant.' },
  api_key_not_found: { status: 404, summary: 'No API key with this id in the tenant.' },
  workflow_not_found: { status: 404, summary: 'No workflow with this name is registered.' },
  approval_not_found: { status: 404, summary: 'No approval with this id in the tenant.' },
  tool_call_not_found: { status: 404, summary: 'The run has no tool call with this key.' },
  dead_letter_not_found: { status: 404, summary: 'The run has no dead letter.' },
  schedule_not_found: { status: 404, summary: 'No schedule with this name in the tenant.' },
  unknown_event_source: { status: 404, summary: 'No webhook source with this name is configured.' },
  // Conflicts with the current state
  idempotency_key_reused: { status: 409, summary: 'The Idempotency-Key was used before for a different request.' },
  idempotency_conflict: { status: 409, summary: 'A concurrent request with the same Idempotency-Key could not be read back; retry.' },
  run_not_cancellable: { status: 409, summary: 'Only queued or executing runs can be cancelled.' },
  run_not_resumable: { status: 409, summary: 'Only cancelled or failed runs can be resumed.' },
  run_compensated: { status: 409, summary: 'The run was rolled back; start a new run instead.' },
  phase_transition_not_allowed: { status: 409, summary: 'The phase rules do not allow this transition.' },
  state_transition_refused: { status: 409, summary: "The workflow's declared business states do not allow this move (or the run has none); the refusal is in its audit trail." },
  approval_already_decided: { status: 409, summary: 'The approval was decided before; this decision changes nothing.' },
  approval_expired: { status: 409, summary: 'The approval passed its deadline.' },
  approval_cancelled: { status: 409, summary: 'The approval was cancelled with its run.' },
  approval_not_pending: { status: 409, summary: 'The approval is not pending.' },
  tool_call_not_in_doubt: { status: 409, summary: 'Only in-doubt tool calls can be resolved.' },
  tool_unknown: { status: 409, summary: 'The tool is not defined in this process, so its output cannot be validated.' },
  last_admin_key: { status: 409, summary: "The tenant's last admin key cannot be revoked; create another admin key first." },
  dead_letter_not_open: { status: 409, summary: 'Only open dead letters can be retried or discarded.' },
  event_id_reused: { status: 409, summary: 'An event id was received before with other content.' },
  fork_inside_wait: { status: 409, summary: 'A fork from this step would wait for an answer addressed to the original run; fork from the wait or after its answer.' },
  run_deduplicated: { status: 409, summary: 'A run of the workflow with this deduplicationId has not ended yet (its id is in the details); nothing was started.' },
  run_id_taken: { status: 409, summary: 'A run with the chosen id exists already; run ids are unique across the installation.' },
  schedule_name_taken: { status: 409, summary: 'The tenant has a schedule with this name already.' },
  ledger_conflict: { status: 409, summary: 'A ledger row changed while the call was being reconciled.' },
  // Authoring mistakes (raised when a workflow or tool is declared or called wrongly)
  not_in_workflow: { status: 500, summary: 'A primitive was called outside a workflow function.' },
  not_in_transaction: { status: 500, summary: 'db.client was used outside a transaction function.' },
  run_required: { status: 500, summary: 'A primitive needs a run started through Waymark.' },
  invalid_child_runs: { status: 500, summary: 'startChildren or waitForChildren was called with invalid arguments (no inputs, a concurrency or fan-in count out of range, a malformed business key, handles of another run).' },
  invalid_workflow: { status: 500, summary: 'A workflow declaration is invalid (name, budget, timeouts, decorator use).' },
  duplicate_workflow: { status: 500, summary: 'Two workflows share a name.' },
  invalid_tool: { status: 500, summary: 'A tool declaration is invalid (name, retry policy, compensate on a read).' },
  duplicate_tool: { status: 500, summary: 'Two tools share a name.' },
  invalid_edit_schema: { status: 500, summary: "An approval's edit schema cannot be expressed as JSON Schema." },
  invalid_workflows_module: { status: 500, summary: "A --workflows module could not be loaded or does not export a 'workflows' array." },
  // Tool calls
  tool_call_failed: { status: 422, summary: 'A tool failed with a permanent error.' },
  tool_input_invalid: { status: 422, summary: "A tool's arguments failed its input schema." },
  tool_output_invalid: { status: 422, summary: "A tool's result failed its output schema." },
  attempts_exhausted: { status: 422, summary: 'A tool failed on every attempt its retry policy allows.' },
  retry_budget_exhausted: { status: 422, summary: "The run spent its retry budget." },
  breaker_open: { status: 503, summary: "A tool's circuit breaker stayed open longer than the call's declared maxWait; the call did not go out." },
  breaker_not_found: { status: 404, summary: 'No circuit breaker has that name (no tool declares it and it never failed).' },
  http_client_error: { status: 422, summary: 'An HTTP tool got a 4xx answer that retrying cannot fix.' },
  channel_not_configured: { status: 422, summary: 'A notification channel is used but not configured.' },
  non_retryable: { status: 422, summary: 'A tool said retrying cannot help.' },
  retryable: { status: 503, summary: 'A transient failure; the call is retried.' },
  // Model calls
  model_context_length_exceeded: { status: 422, summary: "A model call's messages exceed the model's context length; not retried." },
  model_content_filtered: { status: 422, summary: "The provider's content filter refused a model call; not retried." },
  model_request_invalid: { status: 422, summary: 'The provider refused a model call as invalid (a 4xx other than 408/409/425/429); not retried.' },
  model_attempts_exhausted: { status: 422, summary: 'A model call failed on every attempt its retry policy allows.' },
  model_stream_interrupted: { status: 422, summary: 'A streamed model call failed after part of its answer was streamed; not retried.' },
  budget_exceeded: { status: 422, summary: 'A model call was refused before it was sent: it would pass a budget (run, workflow per day or tenant per day) on tokens, cost or calls.' },
  invalid_model: { status: 500, summary: 'A durable model declaration is invalid (name, retry policy, timeout, price).' },
  invalid_trigger: { status: 500, summary: 'An event trigger declaration is invalid (source, type, workflow or mapping).' },
  invalid_agent: { status: 500, summary: 'An agent declaration is invalid (thread or tool names, maxSteps, no prompt).' },
  // Waiting for a run's result
  run_failed: { status: 422, summary: "A run waited for ended without succeeding (failed or cancelled); the run's own error is in details." },
  run_wait_timeout: { status: 504, summary: "A run waited for had not ended when the wait's timeout passed; read its result later." },
  // Infrastructure
  database_error: { status: 422, summary: "A business transaction failed in the database; its SQLSTATE is in sqlState (the server's log has the detail)." },
  insecure_listen: { status: 500, summary: 'HOST is not a loopback address and neither TLS (WAYMARK_TLS_CERT/KEY) nor WAYMARK_BEHIND_PROXY is set.' },
  not_started: { status: 503, summary: 'Waymark is not started in this process.' },
  database_unavailable: { status: 503, summary: 'The database could not be reached, or the connection was lost.' },
  database_timeout: { status: 503, summary: 'A statement ran past the statement timeout.' },
  commit_outcome_unknown: { status: 500, summary: 'The connection was lost while committing; the change may or may not have been applied: check before retrying.' },
  schema_too_new: { status: 503, summary: 'A newer Waymark migrated the database; upgrade Waymark.' },
  schema_too_old: { status: 503, summary: "The database needs 'waymark migrate'." },
  schema_missing: { status: 503, summary: 'A table Waymark needs is missing.' },
  migrations_missing: { status: 500, summary: 'The package ships no migrations/ directory.' },
  migration_failed: { status: 500, summary: 'A migration failed and was rolled back.' },
  migration_lock_timeout: { status: 503, summary: 'Another process has held the migration lock for too long.' },
  datasource_configured: { status: 500, summary: 'The data source was configured twice.' },
  datasource_not_configured: { status: 500, summary: 'The data source has no database yet.' },
  executor_id_in_use: { status: 500, summary: 'The explicit executor id is held by another live worker.' },
  executor_slots_exhausted: { status: 500, summary: 'Every executor slot of this host is held.' },
  executor_lock_lost: { status: 500, summary: 'The worker lost its executor lock and stopped.' },
  poison_run: { status: 500, summary: "A run crashed its worker too often in a row without progress (its workflow's maxCrashesWithoutProgress) and was dead-lettered." },
  worker_already_running: { status: 500, summary: 'A Waymark worker already runs in this process (one DBOS per process).' },
  embedded_postgres_failed: { status: 500, summary: 'The embedded Postgres did not start.' },
  embedded_postgres_in_use: { status: 500, summary: 'Another live process runs the embedded Postgres of this data directory.' },
  embedded_postgres_permissions: { status: 500, summary: 'Postgres (running as user postgres) cannot enter the data directory.' },
  embedded_postgres_port_in_use: { status: 500, summary: 'The embedded Postgres port is taken.' },
  embedded_postgres_shared: { status: 500, summary: 'The embedded Postgres of the data directory already runs on another port than WAYMARK_PG_PORT.' },
  http_port_in_use: { status: 500, summary: 'The HTTP port is taken.' },
  secret_key_mismatch: { status: 500, summary: "WAYMARK_SECRET_KEY differs from the key this database's other workers use." },
  secret_key_required: { status: 500, summary: 'This database was set up with WAYMARK_SECRET_KEY; every worker needs it.' },
  secret_unreadable: { status: 500, summary: "A sealed secret input cannot be opened with this installation's key." },
  secret_input_unavailable: { status: 500, summary: "A run's secret inputs are gone (it succeeded before, or they were deleted): a fork or resume cannot see them." },
  internal_error: { status: 500, summary: 'An unexpected error; it was logged on the server.' },
} as const satisfies Record<string, { status: number; summary: string }>;

/** One of Waymark's own error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** A code of Waymark's catalogue, or one a tool chose for its own {@link NonRetryableError}. */
export type AnyErrorCode = ErrorCode | (string & {});

const statusOf = (code: AnyErrorCode): number => (ERROR_CODES as Record<string, { status: number }>)[code]?.status ?? 500;

/**
 * Base class of Waymark's errors. The HTTP status comes from the catalogue unless given.
 *
 * @example
 * ```ts
 * throw new WaymarkError('run_not_found', `No run ${id}`);
 * ```
 */
export class WaymarkError extends Error {
  readonly code: AnyErrorCode;
  readonly status: number;
  /** Structured details safe to show to a client (field errors and the like). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: AnyErrorCode, message: string, opts: { status?: number; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = opts.status ?? statusOf(code);
    this.details = opts.details;
  }
}

/**
 * Input that failed validation: nothing was changed.
 *
 * @example
 * ```ts
 * throw new ValidationError('Run input does not match the workflow schema', { issues });
 * ```
 */
export class ValidationError extends WaymarkError {
  constructor(message: string, details?: Record<string, unknown>, code: ErrorCode = 'validation_failed') {
    super(code, message, { status: 422, details });
  }
}

/**
 * A named thing does not exist (run, workflow, route).
 *
 * @example
 * ```ts
 * throw new NotFoundError('run_not_found', `No run with id ${id}`);
 * ```
 */
export class NotFoundError extends WaymarkError {
  constructor(code: ErrorCode, message: string) {
    super(code, message, { status: 404 });
  }
}

/**
 * The request conflicts with the current state (an idempotency key reused with another body,
 * a transition that is not allowed).
 *
 * @example
 * ```ts
 * throw new ConflictError('idempotency_key_reused', 'This key was used with a different request');
 * ```
 */
export class ConflictError extends WaymarkError {
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, { status: 409, details });
  }
}

/**
 * The phase rules (`waymark.phase_transitions`) refuse a phase change.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof PhaseTransitionError) keepPhase(); }
 * ```
 */
export class PhaseTransitionError extends ConflictError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('phase_transition_not_allowed', message);
    if (opts.cause !== undefined) Object.defineProperty(this, 'cause', { value: opts.cause });
  }
}

/**
 * A workflow's declared business states refuse a move its code asked for (`setState`); the
 * refusal is recorded in the run's audit trail (`state_refused`) and the state stays. Details:
 * `from`, `to`.
 *
 * @example
 * ```ts
 * try { await setState('paid'); } catch (e) { if (e instanceof StateTransitionError) await setState('escalated'); }
 * ```
 */
export class StateTransitionError extends ConflictError {
  constructor(message: string, details: { from: string | null; to: string }) {
    super('state_transition_refused', message, details);
  }
}

/**
 * A webhook's signature is missing, malformed, wrong or too old.
 *
 * @example
 * ```ts
 * throw new UnauthorizedError('invalid_signature', 'The signature does not match the body');
 * ```
 */
export class UnauthorizedError extends WaymarkError {
  constructor(code: ErrorCode, message: string) {
    super(code, message, { status: 401 });
  }
}

/**
 * The database is unreachable, timed out, or lost the connection (see the `code`).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof DatabaseError && e.code === 'database_unavailable') retryLater(); }
 * ```
 */
export class DatabaseError extends WaymarkError {
  constructor(code: 'database_unavailable' | 'database_timeout' | 'commit_outcome_unknown' | 'invalid_value', message: string, opts: { cause?: unknown } = {}) {
    super(code, message, { cause: opts.cause });
  }
}

/**
 * The database schema is newer than this code, or otherwise unusable.
 *
 * @example
 * ```ts
 * throw new SchemaVersionError('Database is at schema version 7; this Waymark knows up to 3.');
 * ```
 */
export class SchemaVersionError extends WaymarkError {
  constructor(message: string, code: 'schema_too_new' | 'schema_too_old' = 'schema_too_new') {
    super(code, message, { status: 503 });
  }
}

/**
 * Thrown by a tool (or by Waymark) for a failure that retrying cannot fix: the call fails at
 * once instead of using up its attempts.
 *
 * @example
 * ```ts
 * if (res.status === 404) throw new NonRetryableError(`No customer ${id}`);
 * ```
 */
export class NonRetryableError extends WaymarkError {
  constructor(message: string, opts: { code?: AnyErrorCode; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(opts.code ?? 'non_retryable', message, { status: 422, cause: opts.cause, details: opts.details });
  }
}

/**
 * Thrown by a tool for a transient failure, optionally saying when to try again (an HTTP
 * `Retry-After`). Any other error a tool throws is treated as transient too.
 *
 * @example
 * ```ts
 * throw new RetryableError('rate limited', { retryAfterMs: 2_000 });
 * ```
 */
export class RetryableError extends WaymarkError {
  readonly retryAfterMs: number | undefined;

  constructor(message: string, opts: { retryAfterMs?: number; cause?: unknown } = {}) {
    super('retryable', message, { status: 503, cause: opts.cause });
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/**
 * A tool call failed for good: its arguments or result did not validate, it failed with a
 * permanent error, it used up its attempts, or the run used up its retry budget.
 *
 * @example
 * ```ts
 * try { await callTool(chargeCard, input); }
 * catch (e) { if (e instanceof ToolCallFailedError) console.log(e.tool, e.key, e.attempts); }
 * ```
 */
export class ToolCallFailedError extends NonRetryableError {
  readonly tool: string;
  readonly key: string;
  readonly attempts: number;

  constructor(code: ErrorCode, message: string, info: { tool: string; key: string; attempts: number; cause?: unknown }) {
    super(message, { code, cause: info.cause, details: { tool: info.tool, key: info.key, attempts: info.attempts } });
    this.tool = info.tool;
    this.key = info.key;
    this.attempts = info.attempts;
  }
}

/**
 * A durable model call failed for good: a permanent error (context length, content filter,
 * invalid request) or every attempt its retry policy allows. `code` says which.
 *
 * @example
 * ```ts
 * try { await generateText({ model, prompt, maxRetries: 0 }); }
 * catch (e) { if (e instanceof ModelCallFailedError && e.code === 'model_context_length_exceeded') await summarise(); }
 * ```
 */
export class ModelCallFailedError extends NonRetryableError {
  /** The durable model's name. */
  readonly model: string;
  readonly attempts: number;

  constructor(code: ErrorCode, message: string, info: { model: string; attempts: number; status?: number | undefined; providerCode?: string | undefined }) {
    super(message, { code, details: { model: info.model, attempts: info.attempts, status: info.status, providerCode: info.providerCode } });
    this.model = info.model;
    this.attempts = info.attempts;
  }
}

/** Which budget refused a model call and how far it was spent. */
export interface BudgetExceededDetails {
  /** The budget's scope: the run, its workflow's UTC day, or its tenant's UTC day. */
  budget: 'run' | 'workflow_day' | 'tenant_day';
  /** The limited quantity: tokens (input + output), cost, or calls (attempts sent). */
  resource: 'tokens' | 'cost' | 'calls';
  limit: number;
  /** Settled usage plus the reservations of calls in flight, before this call. */
  spent: number;
  /** This call's estimate, which did not fit. */
  estimate: number;
  /** The durable model's name. */
  model: string;
  /** The workflow's `onExceeded` policy when the call was refused (`runAgent` stops gracefully on `stop`). */
  policy?: 'fail' | 'stop' | 'ask';
}

/**
 * A model call was refused before it was sent because it would pass a budget. Uncaught, it
 * fails the run (into a dead letter); a workflow whose budget policy is `stop` catches it and
 * returns what it has so far.
 *
 * @example
 * ```ts
 * try { draft = (await generateText({ model, prompt, maxRetries: 0 })).text; }
 * catch (e) { if (e instanceof BudgetExceededError) return { draft, stopped: e.budget }; throw e; }
 * ```
 */
export class BudgetExceededError extends NonRetryableError {
  readonly budget: BudgetExceededDetails['budget'];
  readonly resource: BudgetExceededDetails['resource'];
  readonly limit: number;
  readonly spent: number;
  /** The budget policy the refusal met, when known. */
  readonly policy: BudgetExceededDetails['policy'];

  constructor(d: BudgetExceededDetails) {
    super(`Model call '${d.model}' refused: its estimate of ${d.estimate} ${d.resource} would pass the ${d.budget} budget (${d.spent} of ${d.limit} spent)`, {
      code: 'budget_exceeded', details: { ...d },
    });
    this.budget = d.budget;
    this.resource = d.resource;
    this.limit = d.limit;
    this.spent = d.spent;
    this.policy = d.policy;
  }
}

/**
 * An approval reached its deadline with outcome `fail`.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof ApprovalExpiredError) console.log(e.details?.approvalId); }
 * ```
 */
export class ApprovalExpiredError extends NonRetryableError {
  constructor(id: string, title: string) {
    super(`Approval '${title}' (${id}) was not decided before its deadline`, { code: 'approval_expired', details: { approvalId: id } });
  }
}

/**
 * Turns anything thrown into an `Error`, so callers can rely on `.message`. Safe on any value:
 * circular objects, BigInts and objects whose `toString` throws all become a readable message.
 *
 * @example
 * ```ts
 * catch (e) { log.error(ensureError(e).message); }
 * ```
 */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(describeValue(value), { cause: value });
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return `${value}n`;
  try {
    const seen = new WeakSet<object>();
    const text = JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint') return `${v}n`;
      if (v !== null && typeof v === 'object') {
        if (seen.has(v)) return '[circular]';
        seen.add(v);
      }
      return v;
    });
    if (text !== undefined) return text;
  } catch {
    // fall through: a getter or toJSON threw
  }
  try {
    return String(value);
  } catch {
    return `a thrown ${typeof value}`;
  }
}

/**
 * A tool attempt ran past its `timeoutMs`; its signal was aborted. (Recorded in the ledger;
 * for a non-idempotent write it leaves the call in doubt.)
 *
 * @example
 * ```ts
 * throw new ToolTimeoutError('payments.charge', 30_000);
 * ```
 */
export class ToolTimeoutError extends Error {
  constructor(tool: string, ms: number) {
    super(`Tool '${tool}' timed out after ${ms} ms`);
    this.name = 'ToolTimeoutError';
  }
}

/**
 * A provider may or may not have acted (a 5xx answer, a connection lost mid-request): a
 * non-idempotent write that fails this way is in doubt, never retried blindly.
 *
 * @example
 * ```ts
 * throw new HttpOutcomeUnknownError('POST /charges answered 502');
 * ```
 */
export class HttpOutcomeUnknownError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'HttpOutcomeUnknownError';
  }
}

/**
 * A run that was waited for (`runs.start({ ..., wait: true })`) ended without succeeding:
 * it failed, was cancelled or was given up. `details` names the run, its status and phase and
 * its error as it may be served.
 *
 * @example
 * ```ts
 * try { await runs.start({ workflow: 'charge', input, wait: true }); }
 * catch (e) { if (e instanceof RunEndedError) console.log(e.runId, e.runStatus, e.runError?.message); }
 * ```
 */
export class RunEndedError extends WaymarkError {
  readonly runId: string;
  readonly runStatus: string;
  /** The run's own error (name, code, message), when it failed. */
  readonly runError: { name: string; message: string; code?: string } | null;

  constructor(run: { id: string; status: string; phase: string; error: { name: string; message: string; code?: string } | null }) {
    const why = run.error ? `: ${run.error.message}` : '';
    super('run_failed', `Run ${run.id} ended ${run.status} (phase ${run.phase})${why}`, { details: { runId: run.id, status: run.status, phase: run.phase, error: run.error } });
    this.runId = run.id;
    this.runStatus = run.status;
    this.runError = run.error;
  }
}
