/**
 * Research companies: fan out one child run per company — at most `concurrency` researching at
 * once, the others queued until a place frees — fan in when all have ended, and write one report.
 * Each company's research is a run of its own (its own phase, timeline and retries, listed under
 * the parent in the console); the parent waits parked, holding no worker, and a company whose
 * research failed is named in the report instead of failing it. Cancelling the parent cancels
 * the research still under way.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { Knex } from 'knex';
import { z } from 'zod';
import { Waymark, db, startChildren, waitForChildren } from '../src/index.js';

/** One company to research. */
export const CompanyInput = z.object({
  company: z.string().min(1).max(100),
  topic: z.string().min(1).max(200),
});
export type CompanyInput = z.infer<typeof CompanyInput>;

/** What the research of one company found. */
export interface CompanyFindings {
  company: string;
  employees: number;
  founded: number;
  notes: string;
}

/** Input of a research run. */
export const ResearchInput = z.object({
  topic: z.string().min(1).max(200),
  companies: z.array(z.string().min(1).max(100)).min(1).max(50),
  /** How many companies are researched at once. */
  concurrency: z.number().int().min(1).max(10).default(3),
});
export type ResearchInput = z.infer<typeof ResearchInput>;

/** How long researching one company takes, so the cap can be watched in the console. */
const RESEARCH_DELAY_MS = Number(process.env.WAYMARK_EXAMPLE_RESEARCH_DELAY_MS ?? 1500);

/**
 * A company's research (the child) and the fan-out over companies (the parent).
 *
 * @example
 * ```ts
 * await waymark.runs.start({ workflow: 'research-companies', input: { topic: 'durable execution', companies: ['acme', 'globex'] } });
 * ```
 */
export class ResearchCompanies {
  /** Stands in for web searches and a model reading them: deterministic facts from the name. */
  @DBOS.step({ retriesAllowed: true, maxAttempts: 3, intervalSeconds: 0.5 })
  static async lookUp(input: CompanyInput): Promise<CompanyFindings> {
    await new Promise((r) => setTimeout(r, RESEARCH_DELAY_MS));
    if (/^fail/i.test(input.company)) throw new Error(`no public sources found for ${input.company}`);
    const n = [...input.company].reduce((a, c) => (a * 31 + c.charCodeAt(0)) % 100_003, 7);
    return { company: input.company, employees: 10 + (n % 5000), founded: 1950 + (n % 70), notes: `${input.company} and ${input.topic}: ${n % 2 ? 'active' : 'exploring'}` };
  }

  @db.transaction()
  static async saveFindings(topic: string, f: CompanyFindings): Promise<void> {
    await db.client('company_research').insert({ run_id: DBOS.workflowID, topic, company: f.company, employees: f.employees, founded: f.founded, notes: f.notes });
  }

  @Waymark.workflow({ name: 'research-company', description: 'Researches one company for a topic and stores the findings (a child of research-companies).', input: CompanyInput })
  static async researchOne(input: CompanyInput): Promise<CompanyFindings> {
    const findings = await ResearchCompanies.lookUp(input);
    await ResearchCompanies.saveFindings(input.topic, findings);
    return findings;
  }

  @DBOS.step()
  static async summarize(topic: string, found: CompanyFindings[], failed: string[]): Promise<string> {
    const biggest = [...found].sort((a, b) => b.employees - a.employees)[0];
    const lines = [`${found.length} companies researched on ${topic}.`];
    if (biggest) lines.push(`Largest: ${biggest.company} (${biggest.employees} employees, founded ${biggest.founded}).`);
    if (failed.length) lines.push(`No findings for: ${failed.join(', ')}.`);
    return lines.join(' ');
  }

  @db.transaction()
  static async saveReport(topic: string, researched: number, failed: string[], summary: string): Promise<void> {
    await db.client('research_reports').insert({ run_id: DBOS.workflowID, topic, researched, failed: JSON.stringify(failed), summary });
  }

  @Waymark.workflow({
    name: 'research-companies',
    description: 'Fans out one research-company run per company (at most `concurrency` at once), fans in and stores a report.',
    input: ResearchInput,
  })
  static async research(input: ResearchInput): Promise<{ topic: string; researched: number; failed: string[]; summary: string }> {
    const children = await startChildren(
      ResearchCompanies.researchOne,
      input.companies.map((company) => ({ company, topic: input.topic })),
      { concurrency: input.concurrency, businessKey: (c) => `company:${c.company}` },
    );
    // Parked until every child has ended; each end wakes it once.
    const outcomes = await waitForChildren(children, { mode: 'all' });
    const found = outcomes.flatMap((o) => (o.status === 'succeeded' ? [o.output] : []));
    const failed = outcomes.filter((o) => o.status !== 'succeeded').map((o) => input.companies[o.position]!);
    const summary = await ResearchCompanies.summarize(input.topic, found, failed);
    await ResearchCompanies.saveReport(input.topic, found.length, failed, summary);
    return { topic: input.topic, researched: found.length, failed, summary };
  }
}

/**
 * Creates the example's business tables (an application would use its own migrations).
 *
 * @example
 * ```ts
 * await createResearchTables(knex);
 * ```
 */
export async function createResearchTables(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE IF NOT EXISTS public.company_research (
      run_id    text PRIMARY KEY,
      topic     text NOT NULL,
      company   text NOT NULL,
      employees int NOT NULL,
      founded   int NOT NULL,
      notes     text NOT NULL
    );
    CREATE TABLE IF NOT EXISTS public.research_reports (
      run_id     text PRIMARY KEY,
      topic      text NOT NULL,
      researched int NOT NULL,
      failed     jsonb NOT NULL,
      summary    text NOT NULL
    )`);
}
