/**
 * The chaos test's workflow: a business write, an idempotent tool call (compensable: it cancels
 * the shipment), a reconcilable one, a non-idempotent one and a second business write, against
 * the ChaosServer whose URL comes from CHAOS_TOOL_URL. An order of kind `event` waits for a
 * delivery event (a signed webhook of source `chaos`) after shipping; one of kind `approval`
 * asks an operator before charging, and a rejection fails the run, which compensates (cancels
 * the shipment). Every time a worker (re)starts executing a run, the workflow notes it
 * in `chaos_progress` (outside DBOS, best effort) so the harness can tell when a killed
 * worker's runs were picked up again.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { Knex } from 'knex';
import pg from 'pg';
import { z } from 'zod';
import { NonRetryableError, Waymark, callTool, db, defineTool, httpTool, requestApproval, waitForEvent } from '../../src/index.js';

const base = (): string => {
  const url = process.env.CHAOS_TOOL_URL;
  if (!url) throw new Error('CHAOS_TOOL_URL is not set');
  return url;
};

const retry = { maxAttempts: 8, initialDelayMs: 50, maxDelayMs: 1_000 };

/** Idempotent: the provider de-duplicates by Idempotency-Key (httpTool sends the call's key). */
export const ship = httpTool({
  name: 'chaos.ship',
  effect: 'write',
  idempotent: true,
  input: z.object({ orderId: z.string() }),
  output: z.object({ shipmentId: z.string() }),
  retry,
  timeoutMs: 20_000,
  request: (i) => ({ method: 'POST', url: `${base()}/shipments`, body: i }),
  // Undone when the run fails for good: the provider cancels it (once per key).
  async compensate(input, output, { idempotencyKey, signal }) {
    const res = await fetch(`${base()}/shipments/cancel`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey }, body: JSON.stringify({ orderId: input.orderId, shipmentId: output.shipmentId }), signal,
    });
    if (!res.ok) throw new Error(`shipment cancel answered ${res.status}`);
  },
});

/** Not idempotent, but it can be asked whether an in-doubt call happened. */
export const invoice = defineTool({
  name: 'chaos.invoice',
  effect: 'write',
  input: z.object({ orderId: z.string(), cents: z.number().int().positive() }),
  output: z.object({ invoiceId: z.string() }),
  retry,
  timeoutMs: 20_000,
  async run(input, { signal }) {
    const res = await fetch(`${base()}/invoices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input), signal });
    if (!res.ok) throw new Error(`invoices answered ${res.status}`);
    return (await res.json()) as { invoiceId: string };
  },
  async reconcile(input) {
    const res = await fetch(`${base()}/invoices?orderId=${encodeURIComponent(input.orderId)}`);
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`invoice lookup answered ${res.status}`);
    return (await res.json()) as { invoiceId: string };
  },
});

/** Not idempotent and not reconcilable: in doubt, only a person may say whether it happened. */
export const charge = httpTool({
  name: 'chaos.charge',
  effect: 'write',
  input: z.object({ orderId: z.string(), cents: z.number().int().positive() }),
  output: z.object({ chargeId: z.string() }),
  retry,
  timeoutMs: 20_000,
  request: (i) => ({ method: 'POST', url: `${base()}/charges`, body: i }),
});

let progressPool: pg.Pool | undefined;

/** Notes that this process (re)started executing the run. Best effort: never fails the run. */
async function noteProgress(what: string): Promise<void> {
  try {
    if (!progressPool) {
      progressPool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
      progressPool.on('error', () => {}); // the database restarting under us is part of the test
    }
    await progressPool.query('INSERT INTO chaos_progress (run_id, pid, executor_id, what) VALUES ($1, $2, $3, $4)', [
      DBOS.workflowID, process.pid, DBOS.executorID, what,
    ]);
  } catch {
    // the database may be restarting: progress notes are only for recovery timing
  }
}

export const CHAOS_WORKFLOW = 'chaos.order';
/** The webhook source (and its secret) the delivery events come from. */
export const CHAOS_EVENT_SOURCE = 'chaos';
export const CHAOS_EVENT_TYPE = 'chaos.delivered';

/** What an order does besides its tool calls: nothing more, wait for its delivery event, or ask before charging. */
export const ChaosKindSchema = z.enum(['plain', 'event', 'approval']);
export type ChaosKind = z.infer<typeof ChaosKindSchema>;

/** What a completed order returns. */
export interface ChaosOrderOutput {
  shipmentId: string;
  invoiceId: string;
  chargeId: string;
  /** The delivery event's id (kind `event`). */
  deliveryEventId?: string;
  /** The approval that let the charge go (kind `approval`). */
  approvalId?: string;
}

export class ChaosFlows {
  @db.transaction()
  static async insertOrder(orderId: string, cents: number): Promise<void> {
    await db.client('chaos_orders').insert({ order_id: orderId, run_id: DBOS.workflowID, cents });
  }

  @db.transaction()
  static async recordPayment(orderId: string, p: { shipmentId: string; invoiceId: string; chargeId: string }): Promise<void> {
    await db.client('chaos_payments').insert({ order_id: orderId, run_id: DBOS.workflowID, shipment_id: p.shipmentId, invoice_id: p.invoiceId, charge_id: p.chargeId });
  }

  @Waymark.workflow({
    name: CHAOS_WORKFLOW,
    description: 'Chaos test: order row, idempotent shipment, reconcilable invoice, non-idempotent charge, payment row.',
    input: z.object({ orderId: z.string().min(1), cents: z.number().int().positive(), kind: ChaosKindSchema.default('plain') }),
  })
  static async order(input: { orderId: string; cents: number; kind: ChaosKind }): Promise<ChaosOrderOutput> {
    await noteProgress('start');
    await ChaosFlows.insertOrder(input.orderId, input.cents);
    const { shipmentId } = await callTool(ship, { orderId: input.orderId });
    let deliveryEventId: string | undefined;
    if (input.kind === 'event') {
      const r = await waitForEvent({ source: CHAOS_EVENT_SOURCE, type: CHAOS_EVENT_TYPE, key: input.orderId });
      if (r.status !== 'received') throw new Error('a delivery wait without a timeout timed out');
      deliveryEventId = r.event.id;
    }
    const { invoiceId } = await callTool(invoice, { orderId: input.orderId, cents: input.cents });
    let approvalId: string | undefined;
    if (input.kind === 'approval') {
      const d = await requestApproval({ title: `Charge order ${input.orderId}`, proposal: { cents: input.cents }, assignees: { roles: ['operator'] } });
      if (d.decision === 'rejected') throw new NonRetryableError(`The charge of order ${input.orderId} was rejected`, { code: 'chaos_rejected' });
      approvalId = d.approvalId;
    }
    const { chargeId } = await callTool(charge, { orderId: input.orderId, cents: input.cents });
    const payment = { shipmentId, invoiceId, chargeId };
    await ChaosFlows.recordPayment(input.orderId, payment);
    return { ...payment, ...(deliveryEventId ? { deliveryEventId } : {}), ...(approvalId ? { approvalId } : {}) };
  }
}


export const chaosOrder = Waymark.definitionOf(ChaosFlows.order);

export const chaosWorkflows = [chaosOrder];

/**
 * Business tables without unique keys on the order id, so a duplicate write would show as a
 * second row instead of failing; and the progress notes.
 */
export async function createChaosTables({ knex }: { knex: Knex }): Promise<void> {
  await knex.raw(`
    CREATE TABLE IF NOT EXISTS chaos_orders (seq bigserial PRIMARY KEY, order_id text NOT NULL, run_id text NOT NULL, cents int NOT NULL,
                                             at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE TABLE IF NOT EXISTS chaos_payments (seq bigserial PRIMARY KEY, order_id text NOT NULL, run_id text NOT NULL, shipment_id text NOT NULL,
                                               invoice_id text NOT NULL, charge_id text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE TABLE IF NOT EXISTS chaos_progress (seq bigserial PRIMARY KEY, run_id text NOT NULL, pid int NOT NULL, executor_id text,
                                               what text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE INDEX IF NOT EXISTS chaos_progress_run_idx ON chaos_progress (run_id, at);`);
}
