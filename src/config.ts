/**
 * @module config
 * The one place environment variables are read. Everything else receives a typed
 * {@link WaymarkConfig}, so embedding applications can pass options instead of env.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ValidationError } from './errors.js';

const LogLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** How much a Waymark process logs. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const EnvSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  WAYMARK_DATA_DIR: z.string().min(1).default('.waymark'),
  WAYMARK_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  WAYMARK_DB_NAME: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('waymark'),
  WAYMARK_APP_NAME: z.string().min(1).default('waymark'),
  WAYMARK_APP_VERSION: z.string().min(1).optional(),
  WAYMARK_EXECUTOR_ID: z.string().min(1).max(200).optional(),
  WAYMARK_CONCURRENCY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  WAYMARK_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i).default('1mb'),
  LOG_LEVEL: LogLevelSchema.default('info'),
  WAYMARK_NOTIFY_WEBHOOK_URL: z.string().url().optional(),
  WAYMARK_SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  WAYMARK_NOTIFY_EMAIL_FROM: z.string().min(3).default('waymark@localhost'),
  WAYMARK_WEBHOOK_SECRETS: z
    .string()
    .regex(/^[a-z0-9_-]+=[^,]+(,[a-z0-9_-]+=[^,]+)*$/, 'must look like source=secret,other=secret2')
    .optional(),
  WAYMARK_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  WAYMARK_LEASE_TTL_MS: z.coerce.number().int().min(300).max(3_600_000).default(30_000),
  WAYMARK_DB_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  WAYMARK_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(86_400_000).default(30_000),
});

/** Resolved configuration of a Waymark process. */
export interface WaymarkConfig {
  /** Existing server to use; when absent, an embedded Postgres is started under `dataDir`. */
  databaseUrl: string | undefined;
  port: number;
  host: string;
  /** Project-local directory for the embedded Postgres cluster. */
  dataDir: string;
  embeddedPgPort: number;
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
   * Runs one worker executes at once. A run waiting for an approval or an event holds its
   * slot while it waits (DBOS counts it as executing), so size this for the waiting runs too.
   */
  concurrency: number;
  /** Largest accepted HTTP body (express `limit` syntax, e.g. `1mb`). */
  bodyLimit: string;
  logLevel: LogLevel;
  /** Notification channels for approvals; absent channels are skipped. */
  notify: { webhookUrl: string | undefined; smtpUrl: string | undefined; emailFrom: string };
  /** Webhook sources and their HMAC secrets (`POST /v1/events/{source}`). */
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
    bodyLimit: e.WAYMARK_BODY_LIMIT,
    logLevel: e.LOG_LEVEL,
    notify: { webhookUrl: e.WAYMARK_NOTIFY_WEBHOOK_URL, smtpUrl: e.WAYMARK_SMTP_URL, emailFrom: e.WAYMARK_NOTIFY_EMAIL_FROM },
    webhookSecrets: parseSecrets(e.WAYMARK_WEBHOOK_SECRETS),
    webhookToleranceSeconds: e.WAYMARK_WEBHOOK_TOLERANCE_SECONDS,
    leaseTtlMs: e.WAYMARK_LEASE_TTL_MS,
    dbPoolSize: e.WAYMARK_DB_POOL_SIZE,
    statementTimeoutMs: e.WAYMARK_STATEMENT_TIMEOUT_MS,
    ...overrides,
  };
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
