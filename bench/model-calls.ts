/**
 * `npm run bench:models`: the overhead of a durable model call over a bare AI SDK call to the
 * same local model server (the scripted OpenAI-compatible server of the tests, in this
 * process). Bare: `generateText` with the provider's model, outside any workflow. Durable: the
 * same call with `durableModel(model)` inside one Waymark run that makes BENCH_MODEL_CALLS
 * calls in a row (each timed inside the workflow, so run start and finish are not in the
 * per-call latency; queries and transactions are counted over the whole run and divided by
 * the calls). Prints a markdown table. Settings (env): DATABASE_URL (else embedded Postgres),
 * BENCH_MODEL_CALLS (200), BENCH_MODEL_STREAM (1: also streamed calls).
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, streamText, type LanguageModel } from 'ai';
import { z } from 'zod';
import { Waymark, durableModel } from '../src/index.js';
import { startWaymark, type WaymarkServer } from '../src/server.js';
import { ModelServer, reply } from '../test/support/model-server.js';
import { countDatabase, counts, countsBetween, installQueryCounter } from './counters.js';
import { openBenchDatabase } from './database.js';

const CALLS = Number(process.env.BENCH_MODEL_CALLS ?? 200);
const STREAM = process.env.BENCH_MODEL_STREAM !== '0';

let bare: LanguageModel;
let durable: LanguageModel;

async function once(model: LanguageModel, stream: boolean, i: number): Promise<number> {
  const t = performance.now();
  if (stream) {
    const s = streamText({ model, prompt: `call ${i}`, maxRetries: 0 });
    for await (const _ of s.textStream) {
      // drain
    }
    await s.usage;
  } else {
    await generateText({ model, prompt: `call ${i}`, maxRetries: 0 });
  }
  return performance.now() - t;
}

const calls = Waymark.registerWorkflow(
  { name: 'bench.model-calls', description: 'Makes n durable model calls in a row, timing each.', input: z.object({ n: z.number().int(), stream: z.boolean() }) },
  async ({ n, stream }) => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) ms.push(await once(durable, stream, i));
    return ms;
  },
);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function main(): Promise<void> {
  installQueryCounter();
  const bdb = await openBenchDatabase();
  countDatabase(bdb.name);
  const server = new ModelServer();
  await server.start();
  server.respond = () => reply.text('A short answer from the local model.', { prompt: 40, completion: 9 });
  const provider = createOpenAICompatible({ name: 'local', baseURL: server.baseURL, includeUsage: true });
  bare = provider('bench-model');
  durable = durableModel(provider('bench-model'), { price: { inputPerMillion: 1, outputPerMillion: 2 } });
  let waymark: WaymarkServer | undefined;
  try {
    waymark = await startWaymark({
      workflows: [calls], http: false, env: {},
      config: { databaseUrl: bdb.url, logLevel: 'warn', appName: 'waymark-bench-models', appVersion: 'bench-1' },
    });
    const app = waymark.as({ actor: 'bench' });
    const rows: string[] = [];
    for (const stream of STREAM ? [false, true] : [false]) {
      for (let i = 0; i < 20; i++) await once(bare, stream, i); // warm-up
      const bareMs: number[] = [];
      for (let i = 0; i < CALLS; i++) bareMs.push(await once(bare, stream, i));
      await waitForRun(app, 20, stream); // warm-up
      const before = counts();
      const durableMs = await waitForRun(app, CALLS, stream);
      const c = countsBetween(before, counts());
      const kind = stream ? 'streamText' : 'generateText';
      rows.push(`| ${kind}, bare AI SDK | ${CALLS} | ${pct(bareMs, 50).toFixed(2)} | ${pct(bareMs, 99).toFixed(2)} | 0 | 0 |`);
      rows.push(`| ${kind}, durableModel | ${CALLS} | ${pct(durableMs, 50).toFixed(2)} | ${pct(durableMs, 99).toFixed(2)} | ${(c.queries / CALLS).toFixed(1)} | ${(c.transactions / CALLS).toFixed(1)} |`);
    }
    console.log(`\nModel calls against the local model server (${bdb.source}), ${new Date().toISOString().slice(0, 10)}, Node ${process.version}\n`);
    console.log('| call | calls | p50 ms | p99 ms | queries / call | transactions / call |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of rows) console.log(r);
  } finally {
    await waymark?.stop();
    await server.stop();
    await bdb.dispose();
  }
}

async function waitForRun(app: ReturnType<WaymarkServer['as']>, n: number, stream: boolean): Promise<number[]> {
  const { run } = await app.runs.start({ workflow: 'bench.model-calls', input: { n, stream } });
  for (;;) {
    const r = await app.runs.get(run.id);
    if (r.status === 'SUCCESS') return r.output as number[];
    if (r.status === 'ERROR') throw new Error(`bench run failed: ${JSON.stringify(r.error)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

await main();
