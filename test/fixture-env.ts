/**
 * The usual test file setup in one call: a fresh database, Waymark started on it with the
 * fixture workflows (and a real HTTP listener), a pool for assertions, and optionally the
 * local tool server; all torn down after the file's tests.
 */
import { after, before } from 'node:test';
import pg from 'pg';
import type { WaymarkOptions } from '../src/server.js';
import type { TestWaymark } from './helpers.js';
import { ToolServer } from './fixtures/tool-server.js';
import { beforeLaunch, closeFixtures, useFixtureDatabase, workflows } from './fixtures/workflows.js';
import { createTestDatabase, dropTestDatabase, startTestWaymark } from './helpers.js';

/** What a test file works with; filled in by the file's `before` hook. */
export interface FixtureEnv {
  url: string;
  /** Reassign to restart Waymark with other options; `after` stops whichever is current. */
  w: TestWaymark;
  pool: pg.Pool;
  /** The local tool server (when requested); TOOL_SERVER_URL points at it. */
  server: ToolServer;
}

/** Registers the file's `before`/`after` hooks and returns the environment they fill. */
export function useFixtureEnv(label: string, opts: { toolServer?: boolean; waymark?: WaymarkOptions } = {}): FixtureEnv {
  const env = {} as FixtureEnv;
  before(async () => {
    if (opts.toolServer) {
      env.server = new ToolServer();
      process.env.TOOL_SERVER_URL = await env.server.start();
    }
    env.url = await createTestDatabase(label);
    useFixtureDatabase(env.url);
    env.w = await startTestWaymark(env.url, { workflows, beforeLaunch, ...opts.waymark });
    env.pool = new pg.Pool({ connectionString: env.url, max: 3 });
  });
  after(async () => {
    await env.pool.end();
    await env.w.stop();
    if (opts.toolServer) await env.server.stop();
    await closeFixtures();
    await dropTestDatabase(env.url);
  });
  return env;
}
