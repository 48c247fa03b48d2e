/**
 * @module config
 * The one place environment variables are read. Everything else receives a typed
 * {@link WaymarkConfig}, so embedding applications can pass options instead of env.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { toMs, type Duration } from './durations.js';
import { ValidationError } from './errors.js';

const LogLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** How much a Waymark process logs. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const EnvSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  WAYMARK_DATA_DIR: z.string().min(1).default('.waymark'),
  WAYMARK_PG_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  WAYMARK_DB_NAME: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('waymark'),
  WAYMARK_APP_NAME: z.string().min(1).default('waymark'),
  WAYMARK_APP_VERSION: z.string().min(1).optional(),
  WAYMARK_EXECUTOR_ID: z.string().min(1).max(200).optional(),
  WAYMARK_CONCURRENCY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  WAYMARK_HOT_WAIT_MS: z.coerce.number().int().min(0).max(86_400_000).default(5_000),
  WAYMARK_PARKED_SWEEP_MS: z.coerce.number().int().min(50).max(3_600_000).default(1_000),
  WAYMARK_RESULT_RECHECK_MS: z.coerce.number().int().min(100).max(3_600_000).default(5_000),
  WAYMARK_TENANT_CONCURRENCY: z.coerce.number().int().min(0).max(1_000_000).default(0),
  WAYMARK_QUEUE_POLL_MS: z.coerce.number().int().min(1).max(60_000).default(100),
  WAYMARK_INSTANT_DISPATCH: z.enum(['1', 'true', '0', 'false']).optional(),
  WAYMARK_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i).default('1mb'),
  LOG_LEVEL: LogLevelSchema.default('info'),
  WAYMARK_NOTIFY_WEBHOOK_URL: z.string().url().optional(),
  WAYMARK_SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  WAYMARK_NOTIFY_EMAIL_FROM: z.string().min(3).default('waymark@localhost'),
  WAYMARK_WEBHOOK_SECRETS: z
    .string()
    .regex(/^[a-z0-9_-]+(@[a-z0-9][a-z0-9_-]*)?=[^,]+(,[a-z0-9_-]+(@[a-z0-9][a-z0-9_-]*)?=[^,]+)*$/, 'must look like source=secret,other@tenant=secret2')
    .optional(),
  WAYMARK_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  WAYMARK_LEASE_TTL_MS: z.coerce.number().int().min(300).max(3_600_000).default(30_000),
  WAYMARK_DB_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  WAYMARK_SECRET_KEY: z.string().min(32, 'must be at least 32 characters (e.g. the output of openssl rand -base64 32)').optional(),
  WAYMARK_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(30_000),
  WAYMARK_MODEL_PRICES: z.string().optional(),
  WAYMARK_TENANT_DAILY_BUDGET: z.string().optional(),
  WAYMARK_ALLOWED_HOSTS: z
    .string()
    .regex(/^\s*(\[[0-9a-f:.]+\]|[a-z0-9.-]+)\s*(,\s*(\[[0-9a-f:.]+\]|[a-z0-9.-]+)\s*)*$/i, 'must be a comma-separated list of host names (IPv6 in brackets), without ports')
    .optional(),
  WAYMARK_CORS_ORIGINS: z
    .string()
    .regex(/^\s*https?:\/\/[^\s,/]+\s*(,\s*https?:\/\/[^\s,/]+\s*)*$/i, 'must be a comma-separated list of origins such as https://app.example.com')
    .optional(),
  WAYMARK_TLS_CERT: z.string().min(1).optional(),
  WAYMARK_TLS_KEY: z.string().min(1).optional(),
  WAYMARK_BEHIND_PROXY: z.enum(['1', 'true', '0', 'false']).optional(),
  WAYMARK_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(10_000_000).default(600),
  WAYMARK_TENANT_RUNS_PER_MINUTE: z.coerce.number().int().min(0).max(10_000_000).default(6000),
  WAYMARK_TENANT_RUNS_IN_FLIGHT: z.coerce.number().int().min(0).max(100_000_000).default(100_000),
  WAYMARK_PUBLIC_URL: z.string().regex(/^https?:\/\/[^\s]+$/i, 'must be an http:// or https:// URL').optional(),
  WAYMARK_ALERT_WEBHOOK_URL: z.string().url().optional(),
  WAYMARK_ALERT_EMAILS: z.string().optional(),
  // The standard OpenTelemetry variables (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
  OTEL_SDK_DISABLED: z.enum(['true', 'false', 'TRUE', 'FALSE']).optional(),
  OTEL_TRACES_EXPORTER: z.string().optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().url().optional(),
  OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: z.string().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  WAYMARK_STREAM_RETENTION: z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|w)$/, "must be a duration such as '7d' or '12h'").default('7d'),
  WAYMARK_CONSOLE_SESSION_TTL_MS: z.coerce.number().int().min(60_000).max(30 * 86_400_000).default(12 * 3_600_000),
});

const ModelPriceSchema = z.strictObject({
  inputPerMillion: z.number().nonnegative(),
  outputPerMillion: z.number().nonnegative(),
  cachedInputPerMillion: z.number().nonnegative().optional(),
});

/**
 * A model's price, in the currency of your choice per million tokens. Cached input tokens
 * cost `cachedInputPerMillion` (default: the input price); reasoning tokens are output tokens.
 */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
  cachedInputPerMillion?: number | undefined;
}

/**
 * Parses a price table (`WAYMARK_MODEL_PRICES`): JSON mapping a model name or id to its price.
 *
 * @example
 * ```ts
 * parseModelPrices('{"gpt-4o-mini":{"inputPerMillion":0.15,"outputPerMillion":0.6}}');
 * ```
 */
export function parseModelPrices(json: string | undefined, what = 'WAYMARK_MODEL_PRICES'): Record<string, ModelPrice> {
  return parseJsonTable(json, what, ModelPriceSchema);
}

/** A JSON object of names to values of `schema`, from an environment variable. */
function parseJsonTable<T>(json: string | undefined, what: string, schema: z.ZodType<T>): Record<string, T> {
  if (json === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ValidationError(`Invalid configuration: ${what} is not JSON`, { issues: [`${what}: not JSON`] }, 'invalid_configuration');
  }
  const parsed = z.record(z.string().min(1), schema).safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${what}.${i.path.join('.')}: ${i.message}`);
    throw new ValidationError(`Invalid configuration: ${issues.join('; ')}`, { issues }, 'invalid_configuration');
  }
  return parsed.data;
}

/**
 * Limits on model calls over a budget's scope (a run, a workflow's UTC day, a tenant's UTC
 * day): tokens (input + output), cost (in the price table's currency) and calls (attempts
 * sent). An absent field is no limit.
 */
export interface BudgetLimits {
  tokens?: number | undefined;
  cost?: number | undefined;
  calls?: number | undefined;
}

/** Zod schema of {@link BudgetLimits}. */
export const BudgetLimitsSchema = z.strictObject({
  tokens: z.number().int().nonnegative().optional(),
  cost: z.number().nonnegative().optional(),
  calls: z.number().int().nonnegative().optional(),
});

/**
 * Parses the tenants' daily budgets (`WAYMARK_TENANT_DAILY_BUDGET`): JSON mapping a tenant id
 * to its limits per UTC day; the key `*` applies to every tenant without an entry of its own.
 *
 * @example
 * ```ts
 * parseTenantDailyBudgets('{"*":{"cost":50},"acme":{"cost":500,"tokens":20000000}}');
 * ```
 */
export function parseTenantDailyBudgets(json: string | undefined, what = 'WAYMARK_TENANT_DAILY_BUDGET'): Record<string, BudgetLimits> {
  return parseJsonTable(json, what, BudgetLimitsSchema);
}

/**
 * A tenant's daily budget: its own entry, else the `*` entry; undefined when neither exists.
 *
 * @example
 * ```ts
 * tenantDailyBudget(config.tenantDailyBudgets, 'acme'); // { cost: 500, tokens: 20000000 }
 * ```
 */
export function tenantDailyBudget(budgets: Record<string, BudgetLimits>, tenantId: string): BudgetLimits | undefined {
  return Object.hasOwn(budgets, tenantId) ? budgets[tenantId] : budgets['*'];
}

/** Resolved configuration of a Waymark process. */
export interface WaymarkConfig {
  /** Existing server to use; when absent, an embedded Postgres is started under `dataDir`. */
  databaseUrl: string | undefined;
  port: number;
  host: string;
  /** Project-local directory for the embedded Postgres cluster. */
  dataDir: string;
  /**
   * Embedded Postgres port when `WAYMARK_PG_PORT` names one (taken is an error); otherwise
   * 54329 when free, else any free port (so two checkouts on one machine both start).
   */
  embeddedPgPort: number | undefined;
  /** Database created on the embedded server. */
  embeddedDbName: string;
  /** DBOS application name; one database can host several. */
  appName: string;
  /**
   * Application version recorded on every run. Explicit (env or package.json), never DBOS's
   * source hash: a redeploy with the same version keeps recovering in-flight runs.
   */
  appVersion: string;
  /** Fixed executor id; by default each worker claims a free `<host>-<n>` slot. */
  executorId: string | undefined;
  /**
   * Runs one worker executes at once. A waiting run holds a slot only during its hot window
   * (`hotWaitMs`); then it parks and holds nothing, so this limits work, not waiting runs.
   */
  concurrency: number;
  /**
   * How long a run waits live (in memory, holding its slot) for an approval, an event, an
   * in-doubt resolution or the end of a sleep before it parks: its execution ends, the run stays
   * waiting in the database, and the answer (or its next timer) resumes it. 0 parks at once.
   */
  hotWaitMs: number;
  /** How often each worker looks for parked runs whose timer fell due (one indexed query). */
  parkedSweepMs: number;
  /**
   * How often a wait for a run's result looks at the run again besides its end's notification,
   * in case a notification was lost (a dropped LISTEN connection).
   */
  resultRecheckMs: number;
  /**
   * The run queue's shortest polling interval (DBOS `minPollingIntervalMs`): the longest a
   * started or resumed run waits for dispatch on an idle worker, and the idle worker's query
   * rate (one claim transaction per interval).
   */
  queuePollMs: number;
  /**
   * Runs of one tenant a worker executes at once from a run queue (`WAYMARK_TENANT_CONCURRENCY`;
   * 0, the default: up to `concurrency`). Below `concurrency`, the rest of a worker's slots stay
   * free for other tenants while one tenant has a burst queued.
   */
  tenantConcurrency: number;
  /**
   * Instant dispatch (default on): a worker that starts a run (`runs.start`, `POST /v1/runs`)
   * while it has a free slot executes it at once instead of leaving it to the queue's next poll.
   * Off (`WAYMARK_INSTANT_DISPATCH=0`): every run waits for the poll.
   */
  instantDispatch: boolean;
  /** Largest accepted HTTP body (express `limit` syntax, e.g. `1mb`). */
  bodyLimit: string;
  logLevel: LogLevel;
  /** Notification channels for approvals; absent channels are skipped. */
  notify: { webhookUrl: string | undefined; smtpUrl: string | undefined; emailFrom: string };
  /**
   * Webhook sources and their HMAC secrets (`POST /v1/events/{source}`), keyed `source` (a
   * source of tenant `default`) or `source@tenant`. A source name belongs to one tenant.
   */
  webhookSecrets: Record<string, string>;
  /** How old a webhook's signed timestamp may be before it is refused as a replay. */
  webhookToleranceSeconds: number;
  /**
   * A worker's lease: renewed every third of it; once it runs out (and the worker's session is
   * gone) another worker adopts its runs.
   */
  leaseTtlMs: number;
  /**
   * Connections of each of Waymark's pools (business transactions; API and primitives). Kept
   * apart from `concurrency`, which counts waiting runs too and can be far above what the
   * server allows (`max_connections`).
   */
  dbPoolSize: number;
  /** Longest one of Waymark's statements may run before Postgres cancels it (0: no limit). */
  statementTimeoutMs: number;
  /**
   * Prices of models by name or model id, for the cost ledger (`WAYMARK_MODEL_PRICES` JSON).
   * None are built in: a model without a price is recorded with cost null.
   */
  modelPrices: Record<string, ModelPrice>;
  /**
   * Model-call limits per tenant and UTC day (`WAYMARK_TENANT_DAILY_BUDGET` JSON, tenant id or
   * `*` to limits), enforced before each call is sent. Empty: no tenant budget.
   */
  tenantDailyBudgets: Record<string, BudgetLimits>;
  /**
   * The per-installation secret (tool-call keys, request hashes, sealed secret inputs). Every
   * worker of a database must use the same one. When absent, one is generated once and kept in
   * `waymark.installation`.
   */
  secretKey: string | undefined;
  /**
   * Host names the HTTP API answers to besides the loopback names (`localhost`, `127.0.0.1`,
   * `[::1]`), any port: a request naming another `Host` is refused (DNS rebinding).
   */
  allowedHosts: string[];
  /** Browser origins allowed to call the API cross-origin (CORS); empty: none. */
  corsOrigins: string[];
  /** Serve HTTPS with this certificate and key (PEM files); required to listen beyond loopback unless `behindProxy`. */
  tls: { certFile: string; keyFile: string } | undefined;
  /** A TLS-terminating proxy is in front: listening beyond loopback over plain HTTP is then allowed. */
  behindProxy: boolean;
  /** Requests one caller (API key, else client address) may make per minute, per process (0: no limit). */
  rateLimitPerMinute: number;
  /** Runs one tenant may start per minute, across all processes (0: no limit). */
  tenantRunsPerMinute: number;
  /** Runs of one tenant queued, executing or waiting at once before starts are refused (0: no limit). */
  tenantRunsInFlight: number;
  /** How long a console session lasts after sign-in (default 12 hours); it ends sooner on sign-out or when its key is revoked. */
  consoleSessionTtlMs: number;
  /**
   * How long the events of runs' live streams (`GET /v1/runs/{id}/stream`) are kept
   * (`WAYMARK_STREAM_RETENTION`, default `7d`); housekeeping deletes older ones.
   */
  streamRetentionMs: number;
  /** Where the operator console is reached (`WAYMARK_PUBLIC_URL`): alerts link to its pages. */
  publicUrl: string | undefined;
  /**
   * Alerts to operators (dead letters, in-doubt calls, budget refusals, escalations): a JSON
   * webhook (`WAYMARK_ALERT_WEBHOOK_URL`, default the notification webhook) and email
   * addresses (`WAYMARK_ALERT_EMAILS`, sent over `WAYMARK_SMTP_URL`).
   */
  alerts: { webhookUrl: string | undefined; emails: string[] };
  /** OpenTelemetry traces, from the standard `OTEL_*` variables; see {@link TracingConfig}. */
  tracing: TracingConfig;
}

/**
 * Where traces go. Off unless an exporter is asked for: `OTEL_TRACES_EXPORTER=otlp` (or
 * `console`), or an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`
 * turn it off.
 */
export interface TracingConfig {
  exporter: 'otlp' | 'console' | 'none';
  /** The OTLP/HTTP traces URL (`<endpoint>/v1/traces`, or the traces endpoint as given). */
  url: string | undefined;
  /** Headers sent with every export (`OTEL_EXPORTER_OTLP_HEADERS`, `k=v,k2=v2`). */
  headers: Record<string, string>;
  serviceName: string;
}

/**
 * Reads and validates configuration from environment variables.
 *
 * @example
 * ```ts
 * const config = loadConfig(process.env);
 * console.log(config.port, config.appVersion);
 * ```
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<WaymarkConfig> = {}): WaymarkConfig {
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ValidationError(`Invalid configuration: ${issues.join('; ')}`, { issues }, 'invalid_configuration');
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.WAYMARK_DATA_DIR),
    embeddedPgPort: e.WAYMARK_PG_PORT,
    embeddedDbName: e.WAYMARK_DB_NAME,
    appName: e.WAYMARK_APP_NAME,
    appVersion: e.WAYMARK_APP_VERSION ?? packageVersion() ?? '0.0.0',
    executorId: e.WAYMARK_EXECUTOR_ID,
    concurrency: e.WAYMARK_CONCURRENCY,
    hotWaitMs: e.WAYMARK_HOT_WAIT_MS,
    parkedSweepMs: e.WAYMARK_PARKED_SWEEP_MS,
    resultRecheckMs: e.WAYMARK_RESULT_RECHECK_MS,
    queuePollMs: e.WAYMARK_QUEUE_POLL_MS,
    tenantConcurrency: e.WAYMARK_TENANT_CONCURRENCY,
    instantDispatch: e.WAYMARK_INSTANT_DISPATCH !== '0' && e.WAYMARK_INSTANT_DISPATCH !== 'false',
    bodyLimit: e.WAYMARK_BODY_LIMIT,
    logLevel: e.LOG_LEVEL,
    notify: { webhookUrl: e.WAYMARK_NOTIFY_WEBHOOK_URL, smtpUrl: e.WAYMARK_SMTP_URL, emailFrom: e.WAYMARK_NOTIFY_EMAIL_FROM },
    webhookSecrets: parseSecrets(e.WAYMARK_WEBHOOK_SECRETS),
    webhookToleranceSeconds: e.WAYMARK_WEBHOOK_TOLERANCE_SECONDS,
    leaseTtlMs: e.WAYMARK_LEASE_TTL_MS,
    dbPoolSize: e.WAYMARK_DB_POOL_SIZE,
    statementTimeoutMs: e.WAYMARK_STATEMENT_TIMEOUT_MS,
    modelPrices: parseModelPrices(e.WAYMARK_MODEL_PRICES),
    tenantDailyBudgets: parseTenantDailyBudgets(e.WAYMARK_TENANT_DAILY_BUDGET),
    secretKey: e.WAYMARK_SECRET_KEY,
    allowedHosts: list(e.WAYMARK_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
    corsOrigins: list(e.WAYMARK_CORS_ORIGINS).map((o) => new URL(o).origin),
    tls: tlsFiles(e.WAYMARK_TLS_CERT, e.WAYMARK_TLS_KEY),
    behindProxy: e.WAYMARK_BEHIND_PROXY === '1' || e.WAYMARK_BEHIND_PROXY === 'true',
    rateLimitPerMinute: e.WAYMARK_RATE_LIMIT_PER_MINUTE,
    tenantRunsPerMinute: e.WAYMARK_TENANT_RUNS_PER_MINUTE,
    tenantRunsInFlight: e.WAYMARK_TENANT_RUNS_IN_FLIGHT,
    publicUrl: e.WAYMARK_PUBLIC_URL?.replace(/\/+$/, ''),
    alerts: { webhookUrl: e.WAYMARK_ALERT_WEBHOOK_URL ?? e.WAYMARK_NOTIFY_WEBHOOK_URL, emails: list(e.WAYMARK_ALERT_EMAILS) },
    tracing: tracingConfig(e),
    streamRetentionMs: toMs(e.WAYMARK_STREAM_RETENTION as Duration, 'WAYMARK_STREAM_RETENTION'),
    consoleSessionTtlMs: e.WAYMARK_CONSOLE_SESSION_TTL_MS,
    ...overrides,
  };
}

function tracingConfig(e: z.infer<typeof EnvSchema>): TracingConfig {
  const named = (e.OTEL_TRACES_EXPORTER ?? '').split(',').map((x) => x.trim().toLowerCase()).filter((x) => x !== '');
  const endpoint = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined);
  const disabled = e.OTEL_SDK_DISABLED?.toLowerCase() === 'true' || named.includes('none');
  const exporter = disabled ? 'none' : named.includes('console') ? 'console' : named.includes('otlp') || (named.length === 0 && endpoint) ? 'otlp' : 'none';
  return {
    exporter,
    url: exporter === 'otlp' ? (endpoint ?? 'http://localhost:4318/v1/traces') : undefined,
    headers: { ...keyValues(e.OTEL_EXPORTER_OTLP_HEADERS), ...keyValues(e.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
    serviceName: e.OTEL_SERVICE_NAME ?? e.WAYMARK_APP_NAME,
  };
}

/** `k=v,k2=v2` with URL-encoded values, as the OpenTelemetry header variables are written. */
function keyValues(spec: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of list(spec)) {
    const i = pair.indexOf('=');
    if (i > 0) out[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim());
  }
  return out;
}

function list(spec: string | undefined): string[] {
  return spec ? spec.split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
}

function tlsFiles(cert: string | undefined, key: string | undefined): WaymarkConfig['tls'] {
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) {
    const issues = ['WAYMARK_TLS_CERT and WAYMARK_TLS_KEY must be given together'];
    throw new ValidationError(`Invalid configuration: ${issues[0]}`, { issues }, 'invalid_configuration');
  }
  return { certFile: path.resolve(cert), keyFile: path.resolve(key) };
}

function parseSecrets(spec: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of spec ? spec.split(',') : []) {
    const i = pair.indexOf('=');
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

/** The version in the working directory's package.json: the application being run. */
function packageVersion(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(path.resolve('package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}
