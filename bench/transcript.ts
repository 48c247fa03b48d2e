/**
 * `npm run bench:transcript`: what an agent's conversation costs to store. A 50-turn agent (the
 * scripted local model server asks for a tool every turn; the tool returns about 2 KB of text),
 * run twice against the same server:
 *
 * - delta: `runAgent`, which appends each turn's new messages to `waymark.transcript_messages`
 *   and checkpoints a reference (thread, sequence range);
 * - full: the same loop written naively, checkpointing the whole transcript in a step after
 *   every turn (what a workflow that keeps its history in a step's output does).
 *
 * Measured per run: the bytes appended to the conversation (each new message as JSON), the
 * transcript's bytes in the database (row sizes; the table and its index), and DBOS checkpoint
 * bytes (`dbos.operation_outputs`), split into the transcript's own and the model and tool steps
 * (which hold the model's answer and the tool's result, as they do with or without an agent).
 * Settings (env): DATABASE_URL (else embedded Postgres), BENCH_TURNS (50), BENCH_RESULT_BYTES (1900).
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { generateText, tool, type LanguageModel, type ModelMessage } from 'ai';
import pg from 'pg';
import { z } from 'zod';
import { Waymark, callTool, defineTool, durableModel, runAgent } from '../src/index.js';
import { startWaymark, type WaymarkServer } from '../src/server.js';
import { ModelServer, reply } from '../test/support/model-server.js';
import { openBenchDatabase } from './database.js';

const TURNS = Number(process.env.BENCH_TURNS ?? 50);
const RESULT_BYTES = Number(process.env.BENCH_RESULT_BYTES ?? 1900);

/** Deterministic, poorly compressible text (Postgres compresses values over ~2 KB). */
function pageText(seed: number, bytes: number): string {
  let x = seed * 2654435761 + 1;
  let out = '';
  while (out.length < bytes) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += `${x.toString(36)} `;
  }
  return out.slice(0, bytes);
}

const fetchPage = defineTool({
  name: 'bench.fetch-page',
  effect: 'read',
  input: z.object({ page: z.number().int() }),
  output: z.object({ page: z.number().int(), text: z.string() }),
  async run({ page }) {
    return { page, text: pageText(page, RESULT_BYTES) };
  },
});

let model: LanguageModel;
const Input = z.object({ turns: z.number().int() });

const deltaAgent = Waymark.registerWorkflow(
  { name: 'bench.transcript-delta', description: 'runAgent: a turn checkpoints a reference to its delta.', input: Input },
  async ({ turns }) => {
    const r = await runAgent({ model, system: 'You read pages.', prompt: 'Read every page.', tools: { fetch_page: fetchPage }, maxSteps: turns, loop: { sameCall: 1000, idleTurns: 1000 } });
    return { turns: r.turns, lastSeq: r.lastSeq };
  },
);

const fullAgent = Waymark.registerWorkflow(
  { name: 'bench.transcript-full', description: 'The naive loop: a turn checkpoints the whole transcript.', input: Input },
  async ({ turns }) => {
    const history: ModelMessage[] = [{ role: 'user', content: 'Read every page.' }];
    for (let t = 1; t <= turns; t++) {
      const r = await generateText({ model, system: 'You read pages.', messages: history.slice(-40), maxRetries: 0, tools: { fetch_page: tool({ inputSchema: fetchPage.input }) } });
      history.push(...r.responseMessages.filter((m) => m.role === 'assistant'));
      for (const c of r.staticToolCalls) {
        const value = await callTool(fetchPage, c.input);
        history.push({ role: 'tool', content: [{ type: 'tool-result', toolCallId: c.toolCallId, toolName: c.toolName, output: { type: 'json', value } }] });
      }
      const snapshot = structuredClone(history);
      await DBOS.runStep(async () => snapshot, { name: 'naive:transcript' });
      if (r.staticToolCalls.length === 0) break;
    }
    return { turns };
  },
);

interface Measured {
  appended: number;
  rowBytes: number;
  tableBytes: number;
  transcriptCheckpoint: number;
  modelCheckpoint: number;
  toolCheckpoint: number;
}

async function measure(pool: pg.Pool, runId: string, mode: 'delta' | 'full', appendedFull: number): Promise<Measured> {
  const steps = (
    await pool.query<{ kind: string; bytes: string }>(
      `SELECT CASE WHEN function_name LIKE 'agent:transcript%' OR function_name = 'naive:transcript' THEN 'transcript'
                   WHEN function_name LIKE 'model:%' THEN 'model' WHEN function_name LIKE 'tool:%' THEN 'tool' ELSE 'other' END AS kind,
              coalesce(sum(octet_length(output)), 0)::bigint AS bytes
       FROM dbos.operation_outputs WHERE workflow_uuid = $1 GROUP BY 1`,
      [runId],
    )
  ).rows;
  const by = (k: string) => Number(steps.find((s) => s.kind === k)?.bytes ?? 0);
  if (mode === 'full') return { appended: appendedFull, rowBytes: 0, tableBytes: 0, transcriptCheckpoint: by('transcript'), modelCheckpoint: by('model'), toolCheckpoint: by('tool') };
  const rows = (
    await pool.query<{ content: unknown; row_bytes: number }>(
      `SELECT content, pg_column_size(t.*) AS row_bytes FROM waymark.transcript_messages t WHERE run_id = $1`,
      [runId],
    )
  ).rows;
  const table = (await pool.query<{ bytes: string }>(`SELECT pg_total_relation_size('waymark.transcript_messages')::bigint AS bytes`)).rows[0]!;
  return {
    // Appended: each message's content as compact JSON, what the conversation grew by.
    appended: rows.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r.content)), 0),
    rowBytes: rows.reduce((n, r) => n + r.row_bytes, 0), tableBytes: Number(table.bytes),
    transcriptCheckpoint: by('transcript'), modelCheckpoint: by('model'), toolCheckpoint: by('tool'),
  };
}

async function runTo(app: ReturnType<WaymarkServer['as']>, workflow: string): Promise<string> {
  const { run } = await app.runs.start({ workflow, input: { turns: TURNS } });
  for (;;) {
    const r = await app.runs.get(run.id);
    if (r.status === 'SUCCESS') return run.id;
    if (r.status === 'ERROR') throw new Error(`bench run failed: ${JSON.stringify(r.error)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

async function main(): Promise<void> {
  const bdb = await openBenchDatabase();
  const server = new ModelServer();
  await server.start();
  // Every turn asks for the next page; the last one answers.
  server.respond = (req) => {
    const done = req.body.messages.filter((m: { role: string }) => m.role === 'tool').length;
    return reply.toolCalls([{ id: `call_${req.at}_${done}`, name: 'fetch_page', args: { page: server.count() } }], { prompt: 500, completion: 20 });
  };
  model = durableModel(createOpenAICompatible({ name: 'local', baseURL: server.baseURL, includeUsage: true })('bench-model'), { name: 'bench-model' });
  let waymark: WaymarkServer | undefined;
  const pool = new pg.Pool({ connectionString: bdb.url, max: 2 });
  try {
    waymark = await startWaymark({
      workflows: [deltaAgent, fullAgent], http: false, env: {},
      config: { databaseUrl: bdb.url, logLevel: 'warn', appName: 'waymark-bench-transcript', appVersion: 'bench-1' },
    });
    const app = waymark.as({ actor: 'bench' });
    const delta = await measure(pool, await runTo(app, 'bench.transcript-delta'), 'delta', 0);
    const fullId = await runTo(app, 'bench.transcript-full');
    // The naive loop appends the same messages; its last snapshot is the whole conversation.
    const last = (await pool.query<{ bytes: string }>(
      `SELECT octet_length(output)::bigint AS bytes FROM dbos.operation_outputs WHERE workflow_uuid = $1 AND function_name = 'naive:transcript' ORDER BY function_id DESC LIMIT 1`,
      [fullId],
    )).rows[0]!;
    const full = await measure(pool, fullId, 'full', Number(last.bytes));
    const per = (n: number) => (n / TURNS).toFixed(0);
    const stored = (m: Measured) => m.rowBytes + m.transcriptCheckpoint;
    console.log(`\nTranscript storage, ${TURNS} turns, tool results of ${RESULT_BYTES} bytes (${bdb.source}), ${new Date().toISOString().slice(0, 10)}, Node ${process.version}\n`);
    console.log('| checkpointing | bytes appended / turn | transcript rows / turn | transcript checkpoints / turn | stored ÷ appended | model + tool checkpoints / turn | transcript table (total) |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    console.log(`| delta (runAgent) | ${per(delta.appended)} | ${per(delta.rowBytes)} | ${per(delta.transcriptCheckpoint)} | ${(stored(delta) / delta.appended).toFixed(2)} | ${per(delta.modelCheckpoint + delta.toolCheckpoint)} | ${(delta.tableBytes / 1024).toFixed(0)} KiB |`);
    console.log(`| full transcript per turn | ${per(full.appended)} | 0 | ${per(full.transcriptCheckpoint)} | ${(stored(full) / full.appended).toFixed(2)} | ${per(full.modelCheckpoint + full.toolCheckpoint)} | – |`);
  } finally {
    await pool.end();
    await waymark?.stop();
    await server.stop();
    await bdb.dispose();
  }
}

await main();
