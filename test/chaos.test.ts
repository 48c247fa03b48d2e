/**
 * The chaos test, short enough for CI: 60 runs of a workflow with two business writes, an
 * idempotent (compensable), a reconcilable and a non-idempotent tool call — a quarter of them
 * waiting for a delivery event sent at a random moment (some twice), a quarter asking an
 * approver who decides at random moments and rejects some (those runs fail and compensate) —
 * on three worker processes of which a random one is SIGKILLed (and restarted) every 2–4 s
 * for 15 s, on a Postgres of the test's own that is restarted once meanwhile (down for longer
 * than the workers' lease). The first kills hit
 * calls known to be in flight (the provider acted and never answered), the rest land wherever
 * they land. Then every run must finish — in-doubt charges escalated and resolved by an
 * operator who looks at the provider — with no run lost, no business row written twice, no
 * side effect made twice and no in-doubt charge repeated. Only the timing is random; the
 * assertions hold for any timing. The full version is `npm run bench:chaos` (bench/CHAOS.md).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/server.js';
import { formatReport, runChaos } from './support/chaos-harness.js';
import { guardUnhandledClientErrors } from './support/chaos-pg-guard.js';
import { useTempDirs } from './helpers.js';

const RUNS = 60;
/** Orders 5, 21, 37 and 53: approval orders the approver rejects. */
const REJECTED = 4;
const LEASE_TTL_MS = 2_000;
/** How long Postgres stays stopped: longer than the lease, so every lease runs out meanwhile. */
const PG_DOWN_MS = 3_000;
const tempDir = useTempDirs('waymark-chaos-pg-');
let server: EmbeddedPostgres;
let dataDir: string;
let url: string;

before(async () => {
  dataDir = tempDir();
  server = await startEmbeddedPostgres({ dataDir, persistent: true });
  url = server.withDatabase('postgres');
});
after(async () => {
  await server.stop();
});

// The waits are bounds, not measurements: generous, for a loaded machine (workers start slowly).
test('random SIGKILLs of three workers lose no run and duplicate no write or side effect; in-doubt charges escalate', { timeout: 600_000 }, async (t) => {
  // The restart cuts this process's own connections too: a checked-out client's error is recorded, not thrown.
  let waymarkPool: pg.Pool | undefined;
  const guard = guardUnhandledClientErrors({ owner: (c) => ((waymarkPool as any)?._clients?.includes(c) ? 'waymark' : 'harness') });
  const report = await runChaos({
    databaseUrl: url,
    runs: RUNS,
    seconds: 15,
    workers: 3,
    killIntervalMs: [2_000, 4_000],
    leaseTtlMs: LEASE_TTL_MS,
    traps: true,
    settleTimeoutMs: 240_000,
    stallMs: 120_000,
    log: (m) => t.diagnostic(m),
    onStarted: (w) => (waymarkPool = w.pool),
    postgresRestart: {
      atMs: [7_000],
      restart: async () => {
        const port = server.port;
        await server.stop();
        await new Promise((r) => setTimeout(r, PG_DOWN_MS));
        server = await startEmbeddedPostgres({ dataDir, port, persistent: true });
      },
    },
  }).finally(() => guard.uninstall());
  const summary = formatReport(report);
  assert.deepEqual(guard.errors.filter((e) => e.owner === 'waymark'), [], 'no connection of Waymark in this process crashed it');
  assert.equal(report.postgresRestarts.length, 1, summary);
  t.diagnostic(`${report.kills.length} kills, ${report.inDoubt.chargeCalls} charges in doubt, ${report.adoptions.length} adoptions`);

  assert.deepEqual(report.violations, [], summary);
  assert.ok(report.kills.length > 0, 'workers were killed');
  // No run lost: all created, all but the rejected ones completed, none dead-lettered by the faults.
  const rejected = report.runs.rejected;
  assert.equal(rejected, REJECTED, summary);
  assert.equal(report.runs.created, RUNS, summary);
  assert.deepEqual(report.runs.notFinished, [], summary);
  assert.deepEqual(report.runs.deadLettered, [], summary);
  assert.equal(report.runs.completed, RUNS - rejected, summary);
  // Business rows: one order row per run and one payment row per charged run, never two.
  assert.deepEqual(report.business, { orderRows: RUNS, paymentRows: RUNS - rejected, duplicateOrderRows: 0, duplicatePaymentRows: 0, missingForCompleted: 0 }, summary);
  // Side effects: one shipment and invoice per order, one charge per approved order; each
  // rejected order's shipment compensated once.
  assert.equal(report.ship.effects, RUNS, summary);
  assert.equal(report.ship.duplicateEffects, 0, summary);
  assert.equal(report.invoice.effects, RUNS, summary);
  assert.equal(report.invoice.duplicateEffects, 0, summary);
  assert.equal(report.charge.effects, RUNS - rejected, summary);
  assert.equal(report.charge.duplicateCharges, 0, summary);
  assert.deepEqual(report.compensation, { cancellations: rejected, rolledBack: rejected }, summary);
  // Events and approvals: every waiting run got its one delivery; one approval per approval run.
  assert.equal(report.events.delivered, report.events.orders, summary);
  assert.equal(report.approvals.requested, RUNS / 4, summary);
  assert.equal(report.approvals.duplicateApprovals, 0, summary);
  // Every non-idempotent call left in doubt escalated its run and was not called again on its own.
  assert.deepEqual(report.inDoubt.notEscalated, [], summary);
  assert.deepEqual(report.inDoubt.repeatedBeforeResolution, [], summary);
  for (const c of report.inDoubt.atSettle) {
    assert.equal(c.phase, 'escalated', `${c.key} waits escalated`);
    assert.ok(c.effectsAtProvider <= 1, `${c.key}: ${c.effectsAtProvider} effects while in doubt`);
  }
  assert.equal(report.inDoubt.resolvedHappened + report.inDoubt.resolvedNotHappened, report.inDoubt.atSettle.length);
  assert.deepEqual(report.sharedExecutorIds, [], summary);
});
