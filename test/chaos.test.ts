/**
 * The chaos test, short enough for CI: 60 runs of a workflow with two business writes, an
 * idempotent, a reconcilable and a non-idempotent tool call, on three worker processes of
 * which a random one is SIGKILLed (and restarted) every 2–4 s for 15 s. The first kills hit
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
const databases = useTestDatabases('chaos');
let url: string;

before(async () => {
  url = await databases.create('runs');
});

test('random SIGKILLs of three workers lose no run and duplicate no write or side effect; in-doubt charges escalate', async (t) => {
  const report = await runChaos({
    databaseUrl: url,
    runs: RUNS,
    seconds: 15,
    workers: 3,
    killIntervalMs: [2_000, 4_000],
    leaseTtlMs: 2_000,
    traps: true,
    settleTimeoutMs: 60_000,
    stallMs: 30_000,
    log: (m) => t.diagnostic(m),
  });
  const summary = formatReport(report);
  t.diagnostic(`${report.kills.length} kills, ${report.inDoubt.chargeCalls} charges in doubt, ${report.adoptions.length} adoptions`);

  assert.deepEqual(report.violations, [], summary);
  assert.ok(report.kills.length > 0, 'workers were killed');
  // No run lost: all created, all completed, none needed a dead-letter retry.
  assert.equal(report.runs.created, RUNS, summary);
  assert.deepEqual(report.runs.notFinished, [], summary);
  assert.deepEqual(report.runs.deadLettered, [], summary);
  assert.equal(report.runs.completed, RUNS, summary);
  // Business rows: one order and one payment row per run, never two.
  assert.deepEqual(report.business, { orderRows: RUNS, paymentRows: RUNS, duplicateOrderRows: 0, duplicatePaymentRows: 0, missingForCompleted: 0 }, summary);
  // Side effects: one shipment, one invoice, one charge per order at the provider.
  assert.equal(report.ship.effects, RUNS, summary);
  assert.equal(report.ship.duplicateEffects, 0, summary);
  assert.equal(report.invoice.effects, RUNS, summary);
  assert.equal(report.invoice.duplicateEffects, 0, summary);
  assert.equal(report.charge.effects, RUNS, summary);
  assert.equal(report.charge.duplicateCharges, 0, summary);
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
