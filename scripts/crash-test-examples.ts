/**
 * Runs `waymark crash-test` over every example workflow (examples/index.ts) at once, one
 * process each, and fails unless none finds a problem. CI runs it; it prints the time taken.
 *
 *   npx tsx scripts/crash-test-examples.ts            (DATABASE_URL, else the embedded Postgres)
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** Each example with an input, a check over its business table and what its waits need. */
const EXAMPLES: { workflow: string; input: unknown; args: string[] }[] = [
  {
    workflow: 'document-pipeline',
    input: { documentId: 'doc-1', fileName: 'inv.txt', content: 'Invoice 2026-02-03 amount due EUR 99.90 billing@acme.example' },
    args: ['--check', "SELECT id, kind, needs_review FROM documents WHERE id = 'doc-1'"],
  },
  {
    workflow: 'invoice-reminder',
    input: { invoiceId: 'INV-1', customerId: 'ACME', amountCents: 12_000, lateFeeCents: 500 },
    args: [],
  },
  {
    workflow: 'insurance-claim',
    input: { claimId: 'C-1', claimant: 'kim@example.com', amountCents: 250_000 },
    // The claim's business state, and its state events counted: each move is recorded once.
    args: ['--check', `SELECT c.status, c.approved_amount_cents, r.state,
      (SELECT count(*) FROM waymark.run_events e WHERE e.run_id = r.id AND e.kind IN ('state_changed', 'state_refused')) AS state_events
      FROM claims c JOIN waymark.runs r ON r.id = c.run_id WHERE c.id = 'C-1'`, '--event', 'police:police_report.received={"reportNo":"PR-1"}'],
  },
  {
    workflow: 'research-companies',
    input: { topic: 'durable execution', companies: ['acme', 'globex', 'initech', 'umbrella'], concurrency: 2 },
    args: ['--check', "SELECT topic, researched, failed, summary FROM research_reports WHERE topic = 'durable execution'"],
  },
  {
    workflow: 'sales-agent',
    input: { leadId: 'L-1', name: 'Dana Kim', email: 'dana@acme.example', company: 'acme.example' },
    args: ['--event', 'crm:lead.replied={"text":"Tuesday works"}'],
  },
];

/** Boundaries per example: the CI budget. Waymark's own steps have crash tests of their own. */
const MAX_BOUNDARIES = process.env.CRASH_TEST_MAX_BOUNDARIES ?? '8';

const started = Date.now();
// On a server, side by side; on the embedded Postgres one after the other (one process starts it).
const parallel = Boolean(process.env.DATABASE_URL);
const results: { workflow: string; ok: boolean; text: string }[] = [];
const runExample = async (e: (typeof EXAMPLES)[number]): Promise<{ workflow: string; ok: boolean; text: string }> => {
  const args = ['--import', 'tsx', 'src/cli.ts', 'crash-test', e.workflow, '--workflows', 'examples/index.ts', '--input', JSON.stringify(e.input),
    '--no-waymark-steps', '--max-boundaries', MAX_BOUNDARIES, ...e.args];
  try {
    const { stdout } = await promisify(execFile)(process.execPath, args, {
      env: { ...process.env, WAYMARK_EXAMPLE_OCR_DELAY_MS: '10', WAYMARK_EXAMPLE_RESEARCH_DELAY_MS: '10', LOG_LEVEL: 'warn' }, maxBuffer: 10 * 1024 * 1024,
    });
    return { workflow: e.workflow, ok: true, text: stdout };
  } catch (err) {
    const x = err as { stdout?: string; stderr?: string; message: string };
    return { workflow: e.workflow, ok: false, text: `${x.stdout ?? ''}\n${x.stderr ?? x.message}` };
  }
};
if (parallel) results.push(...(await Promise.all(EXAMPLES.map(runExample))));
else for (const e of EXAMPLES) results.push(await runExample(e));
for (const r of results) console.log(`\n=== ${r.workflow}\n${r.text.trim()}`);
const failed = results.filter((r) => !r.ok).map((r) => r.workflow);
console.log(`\ncrash-test over ${results.length} examples: ${failed.length ? `problems in ${failed.join(', ')}` : 'nothing found'} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
process.exit(failed.length ? 1 : 0);
