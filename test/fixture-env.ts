/**
 * The usual test file setup in one call: a fresh database (a clone of the run's migrated
 * template), Waymark started on it with the fixture workflows (and a real HTTP listener), a
 * pool for assertions, and optionally the local tool server and the notification sinks; all
 * torn down after the file's tests. Options cover the variants the files need: other
 * workflows, no worker or no HTTP in this process, no Waymark at all, extra databases.
 */
import { after, before } from 'node:test';
import pg from 'pg';
import type { WaymarkOptions } from '../src/server.js';
import type { TestWaymark } from './helpers.js';
import { ToolServer } from './fixtures/tool-server.js';
import { ModelServer } from './support/model-server.js';
import { MailSink, WebhookSink } from './fixtures/notification-sinks.js';
import { beforeLaunch, closeFixtures, useFixtureDatabase, workflows } from './fixtures/workflows.js';
import { createTestDatabase, dropTestDatabase, startTestWaymark, type TestDatabaseOptions } from './helpers.js';

/** What a test file works with; filled in by the file's `before` hook. */
export interface FixtureEnv {
  url: string;
  /**
   * Waymark on `url` (unless `waymark: false`). Reassign to restart it with other options;
   * `after` stops whichever is current.
   */
  w: TestWaymark;
  pool: pg.Pool;
  /** The local tool server (when requested); TOOL_SERVER_URL points at it. */
  server: ToolServer;
  /** The scripted model server (when requested); MODEL_SERVER_URL points at it. */
  models: ModelServer;
  /** The webhook receiver (when requested). */
  hooks: WebhookSink;
  /** The SMTP receiver (when requested). */
  mail: MailSink;
  /** Another fresh database for one test, dropped with the file's. */
  extraDatabase(label: string, opts?: TestDatabaseOptions): Promise<string>;
}

export interface FixtureEnvOptions {
  toolServer?: boolean;
  modelServer?: boolean;
  webhookSink?: boolean;
  mailSink?: boolean;
  /**
   * Options for the in-process Waymark (default: the fixture workflows, a worker and HTTP).
   * A function receives the environment once the servers above have started; `false` starts
   * no Waymark in this process.
   */
  waymark?: WaymarkOptions | ((env: FixtureEnv) => WaymarkOptions) | false;
  /** Connections of the assertion pool. */
  poolSize?: number;
}

/**
 * Fresh databases for a file that needs several (or empty ones), all dropped after its tests.
 *
 * @example
 * ```ts
 * const databases = useTestDatabases('migrations');
 * test('...', async () => { const url = await databases.create('once', { migrated: false }); });
 * ```
 */
export function useTestDatabases(label: string): { create(name: string, opts?: TestDatabaseOptions): Promise<string> } {
  const created: string[] = [];
  after(async () => {
    for (const url of created) await dropTestDatabase(url);
  });
  return {
    create: async (name, opts) => {
      const url = await createTestDatabase(`${label}_${name}`, opts);
      created.push(url);
      return url;
    },
  };
}

/** Registers the file's `before`/`after` hooks and returns the environment they fill. */
export function useFixtureEnv(label: string, opts: FixtureEnvOptions = {}): FixtureEnv {
  const databases = useTestDatabases(label);
  const env = { extraDatabase: (name: string, dbOpts?: TestDatabaseOptions) => databases.create(name, dbOpts) } as FixtureEnv;
  before(async () => {
    if (opts.toolServer) {
      env.server = new ToolServer();
      process.env.TOOL_SERVER_URL = await env.server.start();
    }
    if (opts.modelServer) {
      env.models = new ModelServer();
      process.env.MODEL_SERVER_URL = await env.models.start();
    }
    if (opts.webhookSink) await (env.hooks = new WebhookSink()).start();
    if (opts.mailSink) await (env.mail = new MailSink()).start();
    env.url = await createTestDatabase(label);
    useFixtureDatabase(env.url);
    if (opts.waymark !== false) {
      const custom = typeof opts.waymark === 'function' ? opts.waymark(env) : opts.waymark;
      env.w = await startTestWaymark(env.url, { workflows, beforeLaunch, ...custom });
    }
    env.pool = new pg.Pool({ connectionString: env.url, max: opts.poolSize ?? 3 });
  });
  after(async () => {
    await env.pool?.end();
    await env.w?.stop();
    await env.server?.stop();
    await env.models?.stop();
    await env.hooks?.stop();
    await env.mail?.stop();
    await closeFixtures();
    if (env.url) await dropTestDatabase(env.url);
  });
  return env;
}
