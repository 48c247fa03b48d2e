/**
 * The example workflows `npm start` registers. A module given to `waymark start --workflows`
 * has the same shape: `workflows` and, optionally, `beforeLaunch`.
 */
import type { Knex } from 'knex';
import { createDocumentTables, documentPipeline } from './document-pipeline.js';

export const workflows = [documentPipeline];

export async function beforeLaunch({ knex }: { knex: Knex }): Promise<void> {
  await createDocumentTables(knex);
}
