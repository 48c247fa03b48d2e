/**
 * Observability of real runs: OpenTelemetry spans exported over OTLP/HTTP to a receiver started
 * here (runs, DBOS steps, tool calls, model calls with GenAI attributes, approvals and waits,
 * each with run id and tenant, linked parent to child); Prometheus metrics scraped from the
 * listening server (auth, counters, database gauges); the JSON log lines of a run; and alerts
 * (in-doubt call, dead letter, budget refusal, escalation) delivered once to the webhook and
 * SMTP sinks with a link to the console page, also after a failed delivery and a restart.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, after, describe, test } from 'node:test';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { generateText } from 'ai';
import { z } from 'zod';
import { Waymark, callTool, durableModel, requestApproval } from '../src/index.js';
import { createLogger } from '../src/logger.js';
import { useFixtureEnv } from './fixture-env.js';
import { lookupCustomer } from './fixtures/tool-workflows.js';
import { beforeLaunch, workflows } from './fixtures/workflows.js';
import { apiWithKey, killWorker, spawnWorker, startTestWaymark, waitFor } from './helpers.js';
import { reply } from './support/model-server.js';

// Export spans soon after they end (the standard variable; the default is 5 s).
process.env.OTEL_BSP_SCHEDULE_DELAY = '50';
const PUBLIC_URL = 'https://console.example.test';
const ALERT_EMAIL = 'ops@example.test';

let model: LanguageModelV4 | undefined;
const mixed = Waymark.registerWorkflow(
  { name: 'telemetry.mixed', description: 'A tool call, a model call and an approval.', input: z.object({ tag: z.string() }) },
  async ({ tag }) => {
    model ??= durableModel(createOpenAICompatible({ name: 'local', baseURL: `${process.env.MODEL_SERVER_URL}/v1`, includeUsage: true })('mock-1'), {
      name: 'telemetry-model', price: { inputPerMillion: 1_000, outputPerMillion: 2_000 },
    });
    const customer = await callTool(lookupCustomer, { customerId: 'c-7' });
    const r = await generateText({ model, prompt: `[scenario:${tag}] hello`, maxRetries: 0 });
    const d = await requestApproval({ title: 'Send it?', proposal: { text: r.text }, assignees: { roles: ['admin'] } });
    return { customer: customer.name, text: r.text, decision: d.decision };
  },
);

/** An OTLP/HTTP receiver: decodes each JSON export into spans. */
class OtlpReceiver {
  readonly spans: Span[] = [];
  readonly resources: Record<string, unknown>[] = [];
  #server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.startsWith('application/json')) {
        for (const rs of JSON.parse(raw).resourceSpans as { resource: { attributes: KeyValue[] }; scopeSpans: { spans: RawSpan[] }[] }[]) {
          this.resources.push(attributes(rs.resource.attributes));
          for (const s of rs.scopeSpans.flatMap((x) => x.spans)) this.spans.push({ ...s, attrs: attributes(s.attributes ?? []) });
        }
      }
      res.writeHead(200).end(); // an empty body, as the exporter expects
    });
  });
  url = '';
  async start(): Promise<void> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }
  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
interface KeyValue { key: string; value: Record<string, unknown> }
interface RawSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: KeyValue[]; status?: { code?: number } }
type Span = RawSpan & { attrs: Record<string, unknown> };
function attributes(kvs: KeyValue[]): Record<string, unknown> {
  const value = (v: Record<string, unknown>): unknown =>
    'arrayValue' in v ? ((v.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map(value) : Object.values(v)[0];
  return Object.fromEntries(kvs.map((kv) => [kv.key, value(kv.value)]));
}

const receiver = new OtlpReceiver();
const lines: Record<string, unknown>[] = [];
const logger = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
before(() => receiver.start());
after(() => receiver.stop());

const observedConfig = (env: { hooks: { url: string }; mail: { url: string } }, webhookUrl = env.hooks.url) => ({
  leaseTtlMs: 1_500,
  publicUrl: PUBLIC_URL,
  alerts: { webhookUrl, emails: [ALERT_EMAIL] },
  notify: { webhookUrl: undefined, smtpUrl: env.mail.url, emailFrom: 'waymark@example.test' },
  tracing: { exporter: 'otlp' as const, url: `${receiver.url}/v1/traces`, headers: {}, serviceName: 'waymark-observed' },
});

const env = useFixtureEnv('observability', {
  toolServer: true, modelServer: true, webhookSink: true, mailSink: true,
  waymark: (e) => ({ workflows: [...workflows, mixed], logger, config: observedConfig(e) }),
});

const start = async (workflow: string, input: unknown) => (await env.w.runs.start({ workflow, input })).run.id;
const settled = (id: string) =>
  waitFor(`run ${id} to finish`, async () => {
    const r = await env.w.runs.get(id);
    return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(r.status) ? r : undefined;
  });
const pendingApproval = (runId: string) =>
  waitFor('the approval', async () => (await env.pool.query(`SELECT id FROM waymark.approvals WHERE run_id = $1 AND status = 'pending'`, [runId])).rows[0]?.id as string | undefined);

/** Runs the mixed workflow to the end (approving its approval over HTTP). */
async function runMixed(tag: string): Promise<string> {
  env.models.script(tag, reply.text('Hi there.', { prompt: 120, completion: 30 }));
  const id = await start('telemetry.mixed', { tag });
  const approvalId = await pendingApproval(id);
  assert.equal((await env.w.api('POST', `/v1/approvals/${approvalId}/decision`, { decision: 'approve' })).status, 200);
  const run = await settled(id);
  assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
  return id;
}

describe('traces', () => {
  test("a run's spans reach the OTLP receiver: workflow, steps, tool, model (GenAI), approval and wait, with run id and tenant, parent to child", async () => {
    const id = await runMixed('tr1');
    const ofRun = () => receiver.spans.filter((s) => s.attrs['waymark.run_id'] === id);
    const find = (what: string, pred: (s: Span) => boolean) => waitFor(what, async () => ofRun().find(pred));
    const workflow = await find('the workflow span', (s) => s.attrs.operationUUID === id && s.attrs.operationType === 'workflow' && s.parentSpanId === undefined);
    const tool = await find('the tool span', (s) => s.name === 'tool crm.lookup');
    const model = await find('the model span', (s) => s.name === 'chat mock-1');
    const approval = await find('the approval span', (s) => s.name === 'approval');
    const wait = await find('the wait span', (s) => s.name === 'wait waymark.approval' && s.parentSpanId === approval.spanId);
    const toolStep = await find('the tool step span', (s) => s.name === 'tool:crm.lookup');
    const modelStep = await find('the model step span', (s) => s.name === 'model:telemetry-model');

    for (const s of ofRun()) {
      assert.equal(s.traceId, workflow.traceId, `${s.name} is in the run's trace`);
      assert.equal(s.attrs['waymark.tenant_id'], 'default', `${s.name} carries the tenant`);
    }
    assert.equal(workflow.attrs['waymark.workflow'], 'telemetry.mixed');
    // Parent to child: workflow > tool > its DBOS step; workflow > model > its step; workflow > approval > wait.
    assert.equal(tool.parentSpanId, workflow.spanId);
    assert.equal(toolStep.parentSpanId, tool.spanId);
    assert.equal(model.parentSpanId, workflow.spanId);
    assert.equal(modelStep.parentSpanId, model.spanId);
    assert.equal(approval.parentSpanId, workflow.spanId);
    assert.equal(wait.attrs['waymark.wait.topic'], `waymark.approval:${approval.attrs['waymark.approval_id'] as string}`);
    assert.match(tool.attrs['waymark.tool_call.key'] as string, /^run:/);
    assert.equal(model.kind, 3, 'a client span');
    assert.deepEqual(
      [model.attrs['gen_ai.operation.name'], model.attrs['gen_ai.system'], model.attrs['gen_ai.request.model'], model.attrs['gen_ai.usage.input_tokens'], model.attrs['gen_ai.usage.output_tokens']],
      ['chat', 'local.chat', 'mock-1', 120, 30],
    );
    assert.equal(model.attrs['waymark.cost'], (120 * 1_000 + 30 * 2_000) / 1e6);
    assert.ok(receiver.resources.some((r) => r['service.name'] === 'waymark-observed'));
  });
});

/** The scrape as text, with the admin key unless another API is given. */
const scrape = async (api = env.w.api) => api('GET', '/metrics');
/** The value of one series (labels in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('metrics', () => {
  test('GET /metrics needs a key of tenant default with the metrics permission', async () => {
    const none = await fetch(`${env.w.httpUrl}/metrics`);
    assert.equal(none.status, 401);
    const scraper = await scrape(await env.w.apiAs('prometheus', ['metrics']));
    assert.equal(scraper.status, 200);
    assert.match(scraper.type, /^text\/plain; version=0\.0\.4/);
    assert.equal((await scrape(await env.w.apiAs('viewer', ['viewer']))).status, 200);
    assert.equal((await scrape(await env.w.apiAs('adjuster', ['adjuster']))).status, 403, 'a role without the permission');
    const otherTenant = await scrape(await env.w.apiAs('acme-admin', ['admin'], 'acme'));
    assert.equal(otherTenant.status, 403, 'another tenant may not see every tenant');
    assert.equal(otherTenant.body.code, 'forbidden');
    // A key with only the metrics role reads nothing else.
    assert.equal((await (await env.w.apiAs('prometheus-2', ['metrics']))('GET', '/v1/runs')).status, 403);
  });

  test('counters of tool and model calls, tokens, cost and budget refusals; gauges of runs and dead letters from the database', async () => {
    await runMixed('m1');
    const refused = await start('models.budget-fail', { tag: 'mbf', calls: 5 });
    assert.equal((await settled(refused)).status, 'ERROR');
    const waiting = await start('test.wait-for-go', {});
    await waitFor('the waiting run', async () => (await env.w.runs.get(waiting)).status === 'PENDING');
    const text = await waitFor('the gauges to show the new state', async () => {
      const t = (await scrape()).body as string;
      return (sample(t, 'waymark_dead_letters_open', { workflow: 'models.budget-fail' }) ?? 0) >= 1
        && (sample(t, 'waymark_runs', { workflow: 'test.wait-for-go', phase: 'running', status: 'PENDING' }) ?? 0) >= 1 ? t : undefined;
    });
    assert.ok(sample(text, 'waymark_tool_calls_total', { tool: 'crm.lookup', status: 'succeeded' })! >= 1);
    assert.ok(sample(text, 'waymark_tool_call_duration_seconds_count', { tool: 'crm.lookup', status: 'succeeded' })! >= 1);
    assert.ok(sample(text, 'waymark_step_duration_seconds_count', { kind: 'model' })! >= 1);
    assert.ok(sample(text, 'waymark_model_calls_total', { model: 'telemetry-model', status: 'succeeded' })! >= 1);
    assert.ok(sample(text, 'waymark_model_tokens_total', { model: 'telemetry-model', type: 'input' })! >= 120);
    assert.ok(sample(text, 'waymark_model_cost_total', { model: 'telemetry-model' })! > 0);
    assert.ok(sample(text, 'waymark_budget_refusals_total', { budget: 'run', resource: 'calls' })! >= 1);
    assert.ok(sample(text, 'waymark_run_executions_total', { workflow: 'telemetry.mixed', outcome: 'succeeded' })! >= 1);
    assert.ok(sample(text, 'waymark_runs_started_total', { workflow: 'test.wait-for-go' })! >= 1);
    assert.ok(sample(text, 'waymark_workers', { status: 'live' })! >= 1);
    assert.notEqual(sample(text, 'waymark_process_resident_memory_bytes'), undefined, 'process metrics');
    await env.w.api('POST', `/v1/runs/${waiting}/cancel`);
  });

  test('a person stepping in is counted', async () => {
    const before = sample((await scrape()).body as string, 'waymark_interventions_total', { action: 'dead_letter_discarded' }) ?? 0;
    const id = await start('test.always-fails', {});
    await settled(id);
    await waitFor('the dead letter', async () => (await env.w.api('GET', `/v1/dead-letters/${id}`)).status === 200);
    assert.equal((await env.w.api('POST', `/v1/dead-letters/${id}/discard`, { reason: 'not needed' })).status, 200);
    assert.equal(sample((await scrape()).body as string, 'waymark_interventions_total', { action: 'dead_letter_discarded' }), before + 1);
  });
});

describe('logs', () => {
  test("a run's log lines are JSON with its run id and tenant; one line per phase change; DBOS's own lines come through pino; no credentials", async () => {
    const id = await runMixed('lg1');
    const mine = () => lines.filter((l) => l.runId === id);
    await waitFor('the completion line', async () => mine().some((l) => l.msg === 'run completed'));
    for (const l of mine()) {
      assert.equal(l.tenantId, 'default', `tenant on "${String(l.msg)}"`);
      assert.equal(typeof l.level, 'number');
    }
    const msgs = mine().map((l) => l.msg);
    for (const m of ['run queued', 'run executing', 'run waits for an approval', 'approval decided', 'run phase changed', 'run completed']) assert.ok(msgs.includes(m), `logs "${m}"`);
    const waits = mine().find((l) => l.msg === 'run waits for an approval')!;
    assert.equal(waits.phase, 'waiting_for_approval');
    assert.match(String(waits.approvalId), /^apv_/);
    assert.equal(mine().find((l) => l.msg === 'run executing')!.workflow, 'telemetry.mixed');
    assert.ok(lines.some((l) => l.component === 'dbos'), 'DBOS logs through pino');
    assert.ok(!JSON.stringify(lines).includes(env.w.adminKey), 'no API key in any line');
  });

  test('a tool call in doubt is logged with the run, tenant, tool, key and step', async () => {
    env.server.hangAfterActing.set('/charges', 1);
    const id = await start('tools.charge-quick-timeout', { ref: 'slow-log', cents: 10 });
    const line = await waitFor('the in-doubt line', async () => lines.find((l) => l.runId === id && l.msg === 'tool call is in doubt: the run escalates until a person resolves it'));
    assert.deepEqual([line.tenantId, line.tool, typeof line.toolKey, typeof line.step], ['default', 'payments.charge-quick-timeout', 'string', 'number']);
    await env.w.api('POST', `/v1/runs/${id}/cancel`);
  });
});

const hooksFor = (runId: string, kind: string) => env.hooks.received.filter((h) => (h.body as unknown as { runId: string }).runId === runId && h.body.kind === kind);
const alertRows = async (runId: string) => (await env.pool.query('SELECT * FROM waymark.alerts WHERE run_id = $1 ORDER BY id', [runId])).rows;

let inDoubtRun = '';

describe('alerts', () => {
  test('an in-doubt call alerts once on the webhook and by email, linking the tool-call page', async () => {
    env.server.hangAfterActing.set('/charges', 1);
    const id = await start('tools.charge-quick-timeout', { ref: 'slow-alert', cents: 10 });
    const [hook] = await waitFor('the webhook alert', async () => hooksFor(id, 'alert.in_doubt').length ? hooksFor(id, 'alert.in_doubt') : undefined);
    const key = (await env.pool.query(`SELECT key FROM waymark.tool_calls WHERE owner_run_id = $1`, [id])).rows[0].key as string;
    const body = hook!.body as unknown as { id: string; link: string; subject: string; tenantId: string };
    assert.equal(body.link, `${PUBLIC_URL}/tool-calls/${encodeURIComponent(key)}`);
    assert.equal(body.tenantId, 'default');
    assert.equal(hook!.key, body.id, 'the idempotency key is the alert id');
    const mail = await waitFor('the email', async () => env.mail.received.find((m) => m.subject.includes('Tool call in doubt') && m.raw.includes(id)));
    assert.deepEqual(mail.to, [ALERT_EMAIL]);
    assert.ok(mail.raw.replace(/=\r?\n/g, '').includes(`${PUBLIC_URL}/tool-calls/`), 'the email links the console');
    // Delivered on both channels, and the escalation that followed is not a second alert.
    await waitFor('delivery recorded', async () => (await alertRows(id)).every((a) => a.delivered_at !== null));
    const rows = await alertRows(id);
    assert.deepEqual(rows.map((a) => [a.kind, [...a.channels_done].sort()]), [['in_doubt', ['email', 'webhook']]]);
    assert.equal(hooksFor(id, 'alert.in_doubt').length, 1);
    inDoubtRun = id;
    await env.w.api('POST', `/v1/runs/${id}/cancel`);
  });

  test('a dead letter, a budget refusal and an escalation alert, each linking its page', async () => {
    const failed = await start('test.always-fails', {});
    const refused = await start('models.budget-fail', { tag: 'abf', calls: 5 });
    const escalated = await start('test.escalate', { reason: 'needs a human' });
    const dead = await waitFor('the dead-letter alert', async () => hooksFor(failed, 'alert.dead_letter')[0]);
    assert.equal((dead.body as unknown as { link: string }).link, `${PUBLIC_URL}/dead-letters/${failed}`);
    assert.match(dead.body.subject, /Dead letter: run .* \(test\.always-fails\) failed for good/);
    const budget = await waitFor('the budget alert', async () => hooksFor(refused, 'alert.budget_exceeded')[0]);
    assert.equal((budget.body as unknown as { link: string }).link, `${PUBLIC_URL}/runs/${refused}`);
    assert.equal(budget.body.data.resource, 'calls');
    const esc = await waitFor('the escalation alert', async () => hooksFor(escalated, 'alert.escalated')[0]);
    assert.equal((esc.body as unknown as { link: string }).link, `${PUBLIC_URL}/runs/${escalated}`);
    assert.equal(esc.body.data.reason, 'needs a human');
    await waitFor('the budget run dead-lettered too', async () => hooksFor(refused, 'alert.dead_letter')[0]);
    // Housekeeping has delivered newer alerts since: the in-doubt alert was still sent only once.
    assert.equal(hooksFor(inDoubtRun, 'alert.in_doubt').length, 1, 'exactly once');
    assert.equal(new Set(env.hooks.received.map((h) => h.key)).size, env.hooks.received.length, 'no alert delivered twice');
  });

  test('calls in doubt are a gauge of the database state, by tool', async () => {
    const inDoubt = (await env.pool.query(`SELECT count(*)::int AS n FROM waymark.tool_calls WHERE status = 'in_doubt' AND tool = 'payments.charge-quick-timeout'`)).rows[0].n;
    assert.ok(inDoubt >= 1);
    await waitFor('the gauge', async () => sample((await scrape()).body as string, 'waymark_tool_calls_in_doubt', { tool: 'payments.charge-quick-timeout' }) === inDoubt);
  });

  test('an alert whose delivery failed stays in the outbox, survives a restart and is delivered once afterwards', async () => {
    await env.w.stop();
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/hook`;
    await new Promise<void>((r) => closed.close(() => r()));
    env.w = await startTestWaymark(env.url, { workflows: [...workflows, mixed], beforeLaunch, logger, config: observedConfig(env, deadUrl) });
    const id = await start('test.always-fails', {});
    await waitFor('a failed delivery', async () => (await alertRows(id)).find((a) => a.kind === 'dead_letter' && a.attempts >= 1 && a.last_error !== null));
    assert.equal(hooksFor(id, 'alert.dead_letter').length, 0);
    await env.w.stop();
    await env.pool.query(`UPDATE waymark.alerts SET next_attempt_at = clock_timestamp() WHERE run_id = $1`, [id]); // skip the backoff
    env.w = await startTestWaymark(env.url, { workflows: [...workflows, mixed], beforeLaunch, logger, config: observedConfig(env) });
    await waitFor('delivery after the restart', async () => (await alertRows(id)).every((a) => a.delivered_at !== null));
    assert.equal(hooksFor(id, 'alert.dead_letter').length, 1);
    assert.ok((await scrape(apiWithKey(env.w.httpUrl, env.w.adminKey))).body.includes('waymark_alerts_pending'));
  });
});

describe('recovery', () => {
  test("a dead worker's runs are taken over: the takeover, the runs adopted and how long they stood still are counted", async () => {
    // Only the spawned worker executes: the run it takes stops at its gate, and it is killed there.
    await env.w.stop();
    const victim = await spawnWorker(env.url, { WAYMARK_LEASE_TTL_MS: '1500', WAYMARK_EXECUTOR_ID: 'obs-victim' });
    try {
      env.w = await startTestWaymark(env.url, { workflows: [...workflows, mixed], beforeLaunch, logger, worker: false, config: observedConfig(env) });
      const id = await start('test.chain', { steps: 2, blockAt: 0 });
      await waitFor('the run at its gate', async () => (await env.pool.query(`SELECT 1 FROM test_executions WHERE run_id = $1 AND step = 's0'`, [id])).rowCount === 1);
      await killWorker(victim);
      await env.w.stop();
      env.w = await startTestWaymark(env.url, { workflows: [...workflows, mixed], beforeLaunch, logger, config: observedConfig(env) });
      await waitFor('the adoption', async () => (await env.pool.query(`SELECT 1 FROM waymark.workers WHERE executor_id = $1 AND status = 'dead'`, [victim.executorId])).rowCount === 1, 60_000);
      await env.pool.query('INSERT INTO test_gates (run_id) VALUES ($1)', [id]);
      assert.equal((await settled(id)).status, 'SUCCESS');
      const text = (await scrape()).body as string;
      assert.equal(sample(text, 'waymark_lease_takeovers_total'), 1);
      assert.equal(sample(text, 'waymark_adopted_runs_total'), 1);
      assert.equal(sample(text, 'waymark_recovery_seconds_count'), 1);
      assert.ok(sample(text, 'waymark_recovery_seconds_sum')! > 0);
    } finally {
      if (victim.child.exitCode === null && victim.child.signalCode === null) await killWorker(victim);
    }
  });
});
