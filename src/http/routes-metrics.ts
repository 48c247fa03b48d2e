/**
 * @module http/routes-metrics
 * `GET /metrics`: Prometheus text format. Two kinds of series:
 * * in-process counters and histograms (`telemetry/metrics.ts`): what this process did;
 * * gauges of the database's current state (runs per workflow, phase and status, in-doubt
 *   calls, open dead letters, pending approvals and alerts, workers), read per scrape from
 *   small partial indexes and cached for `cacheMs`, so frequent scrapers cost one set of
 *   queries per interval whichever process they reach.
 *
 * The series span every tenant, so a scrape needs the `metrics` permission (role `metrics`,
 * or any of viewer, approver, operator, admin) on a key of tenant `default`, sent as
 * `Authorization: Bearer <key>` (Prometheus `authorization: { credentials: ... }`).
 */
import { Router, type RequestHandler } from 'express';
import { Gauge, Registry } from 'prom-client';
import { z } from 'zod';
import { WaymarkError } from '../errors.js';
import { DEFAULT_TENANT, SYSTEM_SCOPE } from '../scope.js';
import type { Database } from '../store/gateway.js';
import { readStateSnapshot, type StateSnapshot } from '../store/metrics.js';
import { processRegistry } from '../telemetry/metrics.js';
import { defineOperation, route } from './operation.js';
import { scopeOf } from './request-scope.js';

/** The metrics operation, as the route and the OpenAPI document use it. */
export const metricsOperations = {
  getMetrics: defineOperation({
    method: 'get', path: '/metrics', operationId: 'getMetrics', tag: 'observability', permission: 'metrics',
    summary: 'Prometheus metrics: in-process counters and histograms, and gauges of the database\'s current state',
    description:
      `The series span every tenant: only keys of tenant '${DEFAULT_TENANT}' may scrape them (others get 403 forbidden). ` +
      'Send the key as `Authorization: Bearer <key>` (Prometheus `authorization: { credentials: ... }`).',
    responses: {
      200: { description: 'The Prometheus text exposition format', contentType: 'text/plain; version=0.0.4; charset=utf-8', schema: z.string() },
    },
  }),
};

/** What the metrics route reads. */
export interface MetricsDeps {
  db: Database;
  /** How long one database snapshot answers scrapes (default 5 s). */
  cacheMs?: number;
}

/**
 * The metrics route (mount after authentication).
 *
 * @example
 * ```ts
 * app.use(metricsRoutes({ db }));
 * ```
 */
export function metricsRoutes(deps: MetricsDeps): Router {
  const registry = stateRegistry(snapshotCache(deps.db, deps.cacheMs ?? 5_000));
  const r = Router();
  route(r, metricsOperations.getMetrics, installationWide, async (_req, res) => {
    const text = (await processRegistry.metrics()) + (await registry.metrics());
    res.setHeader('content-type', processRegistry.contentType);
    res.setHeader('cache-control', 'no-store');
    res.send(text);
  });
  return r;
}

/** The metrics span every tenant: only keys of the installation's own tenant read them. */
const installationWide: RequestHandler = (_req, res, next) => {
  if (scopeOf(res).tenantId !== DEFAULT_TENANT) {
    throw new WaymarkError('forbidden', `Metrics span every tenant: only keys of tenant '${DEFAULT_TENANT}' may scrape them`, { details: { permission: 'metrics' } });
  }
  next();
};

function snapshotCache(db: Database, cacheMs: number): () => Promise<StateSnapshot> {
  let cached: { at: number; value: Promise<StateSnapshot> } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at >= cacheMs) {
      const value = db.read(SYSTEM_SCOPE, (q) => readStateSnapshot(q));
      // A failed read is not cached: the next scrape tries again.
      value.catch(() => (cached = undefined));
      cached = { at: now, value };
    }
    return cached.value;
  };
}

const BREAKER_STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/** Gauges filled from one snapshot per scrape (per cache period). */
function stateRegistry(snapshot: () => Promise<StateSnapshot>): Registry {
  const registers = [new Registry()];
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge, s: StateSnapshot) => void): void => {
    new Gauge({
      name, help, labelNames, registers,
      async collect() {
        const s = await snapshot();
        this.reset();
        fill(this, s);
      },
    });
  };
  gauge('waymark_runs', 'Runs not yet finished, by workflow, phase and DBOS status (from the database)', ['workflow', 'phase', 'status'], (g, s) => {
    for (const r of s.activeRuns) g.set({ workflow: r.workflow, phase: r.phase, status: r.status }, r.count);
  });
  gauge('waymark_runs_waiting', 'Runs waiting for a person or an event, by phase (from the database)', ['phase'], (g, s) => {
    for (const phase of ['waiting_for_approval', 'waiting_for_event', 'escalated']) {
      g.set({ phase }, s.activeRuns.filter((r) => r.phase === phase).reduce((n, r) => n + r.count, 0));
    }
  });
  gauge('waymark_tool_calls_in_doubt', 'Tool calls in doubt, waiting for a person, by tool (from the database)', ['tool'], (g, s) => {
    for (const c of s.inDoubtCalls) g.set({ tool: c.tool }, c.count);
  });
  gauge('waymark_dead_letters_open', 'Open dead letters (runs that failed for good), by workflow (from the database)', ['workflow'], (g, s) => {
    for (const d of s.openDeadLetters) g.set({ workflow: d.workflow }, d.count);
  });
  gauge('waymark_approvals_pending', 'Approvals waiting for a decision (from the database)', [], (g, s) => g.set(s.pendingApprovals));
  gauge('waymark_approval_oldest_pending_seconds', 'How long the oldest pending approval has waited (from the database)', [], (g, s) => g.set(s.oldestApprovalSeconds));
  gauge('waymark_alerts_pending', 'Alerts not yet delivered on every configured channel (from the database)', [], (g, s) => g.set(s.pendingAlerts));
  gauge('waymark_workers', 'Workers by lease status (from the database)', ['status'], (g, s) => {
    for (const w of s.workers) g.set({ status: w.status }, w.count);
  });
  gauge('waymark_breaker_state', 'Circuit breakers by state: 0 closed, 1 half open, 2 open (from the database)', ['breaker'], (g, s) => {
    for (const b of s.breakers) g.set({ breaker: b.name }, BREAKER_STATE_VALUE[b.state]);
  });
  gauge('waymark_breaker_waiting_calls', 'Tool calls waiting on an open circuit breaker, by breaker (from the database)', ['breaker'], (g, s) => {
    for (const b of s.breakers) g.set({ breaker: b.name }, b.waiting);
  });
  return registers[0]!;
}
