/**
 * The example workflows `npm start` loads (`waymark start --workflows examples/index.ts`). An
 * application's own module has the same shape: `workflows` and, optionally, `beforeLaunch`.
 */
import type { Knex } from 'knex';
import { startDemoVendorService } from './demo-vendor-service.js';
import { DocumentPipeline, createDocumentTables } from './document-pipeline.js';
import { InvoiceReminder, useVendorService } from './invoice-reminder.js';
import { InsuranceClaim, createClaimTables } from './insurance-claim.js';

export const workflows = [DocumentPipeline.process, InvoiceReminder.remind, InsuranceClaim.handle];

export async function beforeLaunch({ knex }: { knex: Knex }): Promise<void> {
  await createDocumentTables(knex);
  await createClaimTables(knex);
  const vendor = await startDemoVendorService(Number(process.env.WAYMARK_DEMO_VENDOR_PORT ?? 0));
  useVendorService(vendor.url);
  console.log(`  demo vendor service (for invoice-reminder): ${vendor.url}  (GET /activity shows what it did)`);
}
