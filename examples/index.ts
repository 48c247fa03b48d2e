/**
 * The example workflows `npm start` loads (`waymark start --workflows examples/index.ts`). An
 * application's own module has the same shape: `workflows` and, optionally, `beforeLaunch`,
 * `schedules` and `triggers`.
 */
import type { Knex } from 'knex';
import { startDemoVendorService } from './demo-vendor-service.js';
import { DocumentPipeline, createDocumentTables } from './document-pipeline.js';
import { exampleModel } from './example-model.js';
import { InvoiceReminder, useVendorService } from './invoice-reminder.js';
import { InsuranceClaim, createClaimTables } from './insurance-claim.js';
import { ResearchCompanies, createResearchTables } from './research-companies.js';
import { SalesAgent, useSalesModel } from './sales-agent.js';
import { Waymark } from '../src/index.js';

export const workflows = [
  DocumentPipeline.process, InvoiceReminder.remind, InsuranceClaim.handle, SalesAgent.handle, ResearchCompanies.research, ResearchCompanies.researchOne,
];

/**
 * A new lead from the CRM (its signed webhook, event type `lead.created`, the lead as `data`)
 * starts the sales agent; a retried delivery of the same event starts no second run.
 */
export const triggers = [Waymark.trigger({ source: 'crm', type: 'lead.created', workflow: SalesAgent.handle, name: 'new-lead' })];

export async function beforeLaunch({ knex }: { knex: Knex }): Promise<void> {
  await createDocumentTables(knex);
  await createClaimTables(knex);
  await createResearchTables(knex);
  const vendor = await startDemoVendorService(Number(process.env.WAYMARK_DEMO_VENDOR_PORT ?? 0));
  useVendorService(vendor.url);
  console.log(`  demo vendor service (for invoice-reminder, sales-agent): ${vendor.url}  (GET /activity shows what it did)`);
  const { model, description } = await exampleModel();
  useSalesModel(model);
  console.log(`  model (for sales-agent): ${description}`);
}
