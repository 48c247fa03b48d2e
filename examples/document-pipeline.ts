/**
 * The document pipeline: read a file, OCR it (slow and flaky), classify it, extract fields,
 * validate them and write the result to a business table — exactly once, even if the
 * database fails at the last step or the worker is killed: completed steps are not re-run.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { Knex } from 'knex';
import { z } from 'zod';
import { Waymark, db } from '../src/index.js';

/** Input of one pipeline run. */
export const DocumentInput = z.object({
  documentId: z.string().min(1).max(100),
  fileName: z.string().min(1).max(255),
  /** The file's text as scanned; a real deployment would pass a storage URL instead. */
  content: z.string().min(1).max(200_000),
});
export type DocumentInput = z.infer<typeof DocumentInput>;

type DocumentKind = 'invoice' | 'receipt' | 'contract' | 'letter';

/** What the pipeline extracts. */
export interface ExtractedFields {
  amounts: number[];
  dates: string[];
  emails: string[];
}

/** How long the simulated OCR takes, so a run can be watched (and killed) mid-way. */
const OCR_DELAY_MS = Number(process.env.WAYMARK_EXAMPLE_OCR_DELAY_MS ?? 300);

/**
 * The pipeline's steps and workflow, as decorated DBOS functions.
 *
 * @example
 * ```ts
 * await DocumentPipeline.process({ documentId: 'd1', fileName: 'a.txt', content: 'Invoice total 12.50 EUR' });
 * ```
 */
export class DocumentPipeline {
  @DBOS.step()
  static async read(input: DocumentInput): Promise<{ text: string; bytes: number }> {
    return { text: input.content, bytes: Buffer.byteLength(input.content) };
  }

  @DBOS.step({ retriesAllowed: true, maxAttempts: 5, intervalSeconds: 0.5, backoffRate: 2 })
  static async ocr(text: string): Promise<string> {
    await new Promise((r) => setTimeout(r, OCR_DELAY_MS));
    return text.replace(/[ \t]+/g, ' ').replace(/\r\n?/g, '\n').trim();
  }

  @DBOS.step()
  static async classify(text: string): Promise<DocumentKind> {
    const t = text.toLowerCase();
    if (/\binvoice\b|\bamount due\b/.test(t)) return 'invoice';
    if (/\breceipt\b|\bpaid\b/.test(t)) return 'receipt';
    if (/\bagreement\b|\bcontract\b|\bparties\b/.test(t)) return 'contract';
    return 'letter';
  }

  @DBOS.step()
  static async extract(text: string): Promise<ExtractedFields> {
    const amounts = [...text.matchAll(/(?:€|\$|EUR|USD)?\s?(\d{1,9}(?:[.,]\d{2}))\b/g)].map((m) => Number(m[1]!.replace(',', '.')));
    const dates = [...text.matchAll(/\b(\d{4}-\d{2}-\d{2})\b/g)].map((m) => m[1]!);
    const emails = [...text.matchAll(/\b[\w.+-]+@[\w-]+\.[\w.-]+\b/g)].map((m) => m[0]);
    return { amounts, dates, emails };
  }

  @DBOS.step()
  static async validate(kind: DocumentKind, fields: ExtractedFields): Promise<string[]> {
    const problems: string[] = [];
    if (kind === 'invoice' && fields.amounts.length === 0) problems.push('an invoice without an amount');
    if (fields.dates.some((d) => Number.isNaN(Date.parse(d)))) problems.push('an impossible date');
    return problems;
  }

  @db.transaction()
  static async store(input: DocumentInput, kind: DocumentKind, fields: ExtractedFields, problems: string[]): Promise<{ id: string }> {
    await db.client('documents').insert({
      id: input.documentId,
      run_id: DBOS.workflowID,
      file_name: input.fileName,
      kind,
      fields: JSON.stringify(fields),
      needs_review: problems.length > 0,
      problems: JSON.stringify(problems),
    });
    return { id: input.documentId };
  }

  @Waymark.workflow({
    name: 'document-pipeline',
    description: 'Reads a document, OCRs, classifies and extracts it, validates the fields and stores them in the documents table.',
    input: DocumentInput,
  })
  static async process(input: DocumentInput): Promise<{ documentId: string; kind: DocumentKind; fields: ExtractedFields; needsReview: boolean }> {
    const { text } = await DocumentPipeline.read(input);
    const clean = await DocumentPipeline.ocr(text);
    const kind = await DocumentPipeline.classify(clean);
    const fields = await DocumentPipeline.extract(clean);
    const problems = await DocumentPipeline.validate(kind, fields);
    await DocumentPipeline.store(input, kind, fields, problems);
    return { documentId: input.documentId, kind, fields, needsReview: problems.length > 0 };
  }
}

/**
 * Creates the example's business table (an application would use its own migrations).
 *
 * @example
 * ```ts
 * await createDocumentTables(knex);
 * ```
 */
export async function createDocumentTables(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE IF NOT EXISTS public.documents (
      id           text PRIMARY KEY,
      run_id       text NOT NULL,
      file_name    text NOT NULL,
      kind         text NOT NULL,
      fields       jsonb NOT NULL,
      needs_review boolean NOT NULL,
      problems     jsonb NOT NULL,
      stored_at    timestamptz NOT NULL DEFAULT now()
    )`);
}
