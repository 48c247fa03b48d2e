/**
 * The chaos test, short enough for CI: 60 runs of a workflow with two business writes, an
 * idempotent (compensable), a reconcilable and a non-idempotent tool call — a quarter of them
 * waiting for a delivery event sent at a random moment (some twice), a quarter asking an
 * approver who decides at random moments and rejects some (those runs fail and compensate) —
 * on three worker processes of which a random one is SIGKILLed (and restarted) every 2–4 s
 * for 15 s. The first kills hit
 * calls known to be in flight (the provider acted and never answered), the rest land wherever
 * they land. Then every run must finish — in-doubt charges escalated and resolved by an
 * operator who looks at the provider — with no run lost, no business row written twice, no
 * side effect made twice and no in-doubt charge repeated. Only the timing is random; the
 * assertions hold for any timing. The full version is `npm run bench:chaos` (bench/CHAOS.md).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { formatReport, runChaos } from './support/chaos-harness.js';
import { useTestDatabases } from './fixture-env.js';

const RUNS = 60;
/** Orders 5, 21, 37 and 53: approval orders the approver rejects. */
const REJECTED = 4;
const databases = useTestDatabases('chaos');
let url: string;

before(async () => {
  url = await databases.create('runs');
});

// The waits are bounds, not measurements: generous, for a loaded machine (workers start slowly).
test('random SIGKILLs of three workers lose no run and duplicate no write or side effect; in-doubt charges escalate', { timeout: 600_000 }, async (t) => {
  const report = await runChaos({
    databaseUrl: url,
    runs: RUNS,
    seconds: 15,
    workers: 3,
    killIntervalMs: [2_000, 4_000],
    leaseTtlMs: 2_000,
    traps: true,
    settleTimeoutMs: 240_000,
    stallMs: 120_000,
    log: (m) => t.diagnostic(m),
  });
  const summary = formatReport(report);
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
