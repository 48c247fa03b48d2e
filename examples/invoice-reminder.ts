/**
 * The invoice reminder: look up the customer (a read tool), email a reminder (a write tool
 * whose provider honours Idempotency-Key), and charge a late fee (a write tool that is not
 * idempotent). Kill the worker while the fee is being charged and the call is in doubt: it is
 * never repeated blindly — the run escalates and waits for a person to resolve it.
 */
import { z } from 'zod';
import { Waymark, callTool, httpTool, WaymarkError } from '../src/index.js';

let vendorUrl: string | undefined;

/**
 * Points the example's tools at the vendor service.
 *
 * @example
 * ```ts
 * useVendorService((await startDemoVendorService()).url);
 * ```
 */
export function useVendorService(url: string): void {
  vendorUrl = url;
}

/**
 * The vendor service the tools call.
 *
 * @example
 * ```ts
 * await fetch(`${vendor()}/activity`);
 * ```
 */
export function vendor(): string {
  if (!vendorUrl) throw new WaymarkError('vendor_not_started', 'The demo vendor service is not running in this process');
  return vendorUrl;
}

export const lookupCustomer = httpTool({
  name: 'crm.customer',
  effect: 'read',
  input: z.object({ customerId: z.string().min(1) }),
  output: z.object({ id: z.string(), name: z.string(), email: z.string().email() }),
  request: (i) => ({ method: 'GET', url: `${vendor()}/customers/${encodeURIComponent(i.customerId)}` }),
});

export const sendReminder = httpTool({
  name: 'email.reminder',
  effect: 'write',
  idempotent: true,
  input: z.object({ to: z.string().email(), invoiceId: z.string(), amountCents: z.number().int().positive() }),
  output: z.object({ messageId: z.string() }),
  // One reminder per invoice, even across runs for the same invoice.
  key: (i) => `invoice:${i.invoiceId}:reminder`,
  retry: { maxAttempts: 5, initialDelayMs: 500, maxDelayMs: 10_000 },
  request: (i) => ({ method: 'POST', url: `${vendor()}/emails`, body: i }),
});

export const chargeLateFee = httpTool({
  name: 'billing.late-fee',
  effect: 'write',
  input: z.object({ invoiceId: z.string(), cents: z.number().int().positive() }),
  output: z.object({ feeId: z.string() }),
  // One late fee per invoice: a second run for the invoice gets the recorded fee.
  key: (i) => `invoice:${i.invoiceId}:late-fee`,
  retry: { maxAttempts: 3, initialDelayMs: 1_000, maxDelayMs: 10_000 },
  request: (i) => ({ method: 'POST', url: `${vendor()}/late-fees`, body: i }),
});

export const ReminderInput = z.object({
  invoiceId: z.string().min(1).max(100),
  customerId: z.string().min(1).max(100),
  amountCents: z.number().int().positive(),
  lateFeeCents: z.number().int().positive().optional(),
});
export type ReminderInput = z.infer<typeof ReminderInput>;

/**
 * The reminder workflow.
 *
 * @example
 * ```ts
 * await InvoiceReminder.remind({ invoiceId: 'INV-1', customerId: 'ACME', amountCents: 12_000, lateFeeCents: 500 });
 * ```
 */
export class InvoiceReminder {
  @Waymark.workflow({
    name: 'invoice-reminder',
    description: 'Looks up the customer, emails a payment reminder once per invoice, and charges a late fee (never twice).',
    input: ReminderInput,
    retryBudget: 20,
  })
  static async remind(input: ReminderInput): Promise<{ customer: string; messageId: string; feeId: string | null }> {
    const customer = await callTool(lookupCustomer, { customerId: input.customerId });
    const { messageId } = await callTool(sendReminder, { to: customer.email, invoiceId: input.invoiceId, amountCents: input.amountCents });
    const fee = input.lateFeeCents ? await callTool(chargeLateFee, { invoiceId: input.invoiceId, cents: input.lateFeeCents }) : null;
    return { customer: customer.name, messageId, feeId: fee?.feeId ?? null };
  }
}

