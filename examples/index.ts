/**
 * The example workflows `npm start` registers. A module given to `waymark start --workflows`
 * has the same shape: `workflows` and, optionally, `beforeLaunch`.
 */
import type { Knex } from 'knex';
import { startDemoVendorService } from './demo-vendor-service.js';
import { createDocumentTables, documentPipeline } from './document-pipeline.js';
import { invoiceReminder, useVendorService } from './invoice-reminder.js';
import { createClaimTables, insuranceClaim } from './insurance-claim.js';

export const workflows = [documentPipeline, invoiceReminder, insuranceClaim];

export async function beforeLaunch({ knex }: { knex: Knex }): Promise<void> {
  await createDocumentTables(knex);
  await createClaimTables(knex);
  const vendor = await startDemoVendorService(Number(process.env.WAYMARK_DEMO_VENDOR_PORT ?? 0));
  useVendorService(vendor.url);
  console.log(`  demo vendor service (for invoice-reminder): ${vendor.url}  (GET /activity shows what it did)`);
}
