/**
 * Prints the benchmark's report: the header (machine, server, settings), the tables and the
 * goal verdicts, as markdown on stdout.
 */
import os from 'node:os';
import { RUN_QUEUE } from '../src/runtime/infrastructure.js';
import { maxInFlight, opts } from './options.js';
import type { Background, StatsReader } from './pgstats.js';
import {
  fmt, mean, percentile, signed, perOpWatched, perStepGross, statementTable, table, verdictLines, type PerOp, type Verdict,
} from './report.js';
import { combine, type Measurement, type StartKind } from './scenarios.js';
import { TRACE_STEP } from './workflows.js';

const log = (s = ''): void => console.log(s);

/** Machine, server and settings of this run. */
export async function printHeader(stats: StatsReader, source: string, dbName: string, rawQueue: string): Promise<void> {
  const settings = await stats.scalar(
    `SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings
      WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'shared_buffers', 'max_connections')`,
  );
  log('# Waymark benchmark');
  log();
  log(`- date: ${new Date().toISOString()}`);
  log(`- machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown cpu'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}`);
  log(`- node ${process.version}; ${await stats.scalar('version()')}`);
  log(`- server settings: ${settings}`);
  log(`- database: ${dbName} (fresh) on ${source}`);
  log(`- chains: ${opts.chainSteps} no-op steps per run; in flight ${opts.inFlight.join(', ')}; ${opts.runsSerial} runs/round at 1 in flight, ${opts.runs} otherwise; ${opts.rounds} rounds (sides alternate first)`);
  log(`- queues: Waymark '${RUN_QUEUE}' and raw '${rawQueue}', both workerConcurrency=${maxInFlight}, minPollingIntervalMs=100`);
  log(`- step probes: ${opts.steps} steps (or tool calls) per probe x ${opts.rounds} rounds; raw inserts: ${opts.inserts}`);
  log(`- tool calls: callTool in a Waymark run; tools 'bench.read' (effect read) and 'bench.write' (effect write, not idempotent), run() does no I/O`);
}

function opRow(label: string, m: Measurement, c: PerOp): string[] {
  return [
    label, String(m.ops), fmt(mean(m.latenciesMs), 3), fmt(percentile(m.latenciesMs, 50), 3), fmt(percentile(m.latenciesMs, 99), 3),
    fmt(c.queries), fmt(c.driverTx), fmt(c.xacts), fmt(c.walBytes, 0), noise(m),
  ];
}

/** Other databases' transactions (and a checkpoint) during a window: WAL is cluster-wide. */
function noise(m: Measurement): string {
  return String(m.delta.otherXacts) + (m.delta.checkpoint ? ' +ckpt' : '');
}

/** All tables and the goal verdicts. */
export function printResults(
  bg: Background,
  inserts: Measurement,
  probes: {
    rawStep: Measurement; wmStep: Measurement; wmWrite: Measurement;
    toolRead: Measurement; toolWrite: Measurement; toolLedger: Measurement;
  },
  chainRounds: Map<number, Record<StartKind, Measurement[]>>,
): void {
  const chains = new Map([...chainRounds].map(([k, v]) => [k, { dbos: combine(v.dbos), direct: combine(v.direct), waymark: combine(v.waymark) }]));
  const roundRates = (k: number, kind: StartKind): string =>
    (chainRounds.get(k)?.[kind] ?? []).map((m) => fmt(m.ops / (m.delta.ms / 1000), 1)).join(' / ');
  const c = {
    insert: perOpWatched(inserts, bg),
    rawStep: perOpWatched(probes.rawStep, bg),
    wmStep: perOpWatched(probes.wmStep, bg),
    wmWrite: perOpWatched(probes.wmWrite, bg),
    toolRead: perOpWatched(probes.toolRead, bg),
    toolWrite: perOpWatched(probes.toolWrite, bg),
    toolLedger: perOpWatched(probes.toolLedger, bg),
  };
  const tools = [
    { label: 'callTool, read tool (no I/O, new args)', m: probes.toolRead, c: c.toolRead, runs: 'all' },
    { label: 'callTool, write tool (not idempotent, new args)', m: probes.toolWrite, c: c.toolWrite, runs: 'all' },
    { label: 'callTool, write answered from ledger', m: probes.toolLedger, c: c.toolLedger, runs: 'none' },
  ] as const;
  log('\n## 1. Single operations (sequential, 1 in flight)\n');
  log(table(
    ['operation', 'n', 'mean ms', 'p50 ms', 'p99 ms', 'queries/op', 'tx/op (driver)', 'tx/op (pg_stat)', 'WAL B/op', 'other-db xacts'],
    [
      opRow('raw pg INSERT, autocommit', inserts, c.insert),
      opRow('raw DBOS step (no-op @DBOS.step)', probes.rawStep, c.rawStep),
      opRow('same step in a Waymark run', probes.wmStep, c.wmStep),
      opRow('Waymark @db.transaction() insert', probes.wmWrite, c.wmWrite),
      ...tools.map((t) => opRow(t.label, t.m, t.c)),
    ],
  ));
  log(`\nqueries/op and tx/op (driver): counted at the pg driver, statements issued by the measured client/workflow only.`);
  log(`tx/op (pg_stat): pg_stat_database xact_commit+xact_rollback delta of the benchmark database after forcing every idle backend`);
  log(`to flush (pg_stat_force_next_flush), minus the flush statements and the idle background; WAL: pg_current_wal_insert_lsn() delta`);
  log(`(cluster-wide) minus idle background. Idle background: ${fmt(bg.queriesPerMs * 1000, 1)} queries/s, ${fmt(bg.transactionsPerMs * 1000, 1)} driver tx/s,`);
  log(`${fmt(bg.xactsPerMs * 1000, 1)} pg_stat xacts/s, ${fmt(bg.walBytesPerMs * 1000, 0)} WAL B/s (DBOS queue polling).`);
  log(`other-db xacts: transactions of other databases on the server during the windows (+ckpt: a checkpoint ran); when`);
  log(`not 0, WAL B/op includes their writes. Use a quiet server (or the embedded one) for WAL figures.`);
  log(`Tool calls: callTool inside a Waymark run, one call per step of the probe, arguments { n: i } distinct per call (so the`);
  log(`ledger cannot answer them); the ledger row answers the same arguments a second time in the same run.`);
  log('\n### Tool calls vs the raw DBOS no-op step\n');
  log(table(
    ['tool call', 'tool run() calls', 'Δ queries', 'Δ tx (driver)', 'Δ tx (pg_stat)', 'Δ WAL B', 'Δ p50 ms', 'Δ p99 ms'],
    tools.map((t) => [
      t.label,
      `${t.m.toolRuns ?? 0} / ${t.m.ops}`,
      signed(t.c.queries - c.rawStep.queries), signed(t.c.driverTx - c.rawStep.driverTx), signed(t.c.xacts - c.rawStep.xacts),
      signed(t.c.walBytes - c.rawStep.walBytes, 0),
      signed(percentile(t.m.latenciesMs, 50) - percentile(probes.rawStep.latenciesMs, 50), 3),
      signed(percentile(t.m.latenciesMs, 99) - percentile(probes.rawStep.latenciesMs, 99), 3),
    ]),
  ));
  log(`\ntool run() calls: how often the tool's run() executed in the measured windows (expected: every call for new arguments, none`);
  log(`for the ledger answer).`);

  log(`\n## 2. ${opts.chainSteps}-step workflow of no-op steps (closed loop)\n`);
  const rows: string[][] = [];
  const ratios: { k: number; ratio: number; ratioQueue: number; dq: number; dtx: number; dwal: number }[] = [];
  const names: Record<StartKind, string> = {
    dbos: 'raw DBOS (startWorkflow on queue)', direct: 'raw DBOS (startWorkflow, direct)', waymark: 'Waymark (runs.start)',
  };
  for (const [k, byKind] of chains) {
    const per: Partial<Record<StartKind, PerOp>> = {};
    const tput: Partial<Record<StartKind, number>> = {};
    for (const kind of ['dbos', 'direct', 'waymark'] as const) {
      const m = byKind[kind];
      const p = perStepGross(m, opts.chainSteps);
      per[kind] = p;
      tput[kind] = m.ops / (m.delta.ms / 1000);
      rows.push([
        names[kind], String(k), String(m.ops),
        fmt(tput[kind] ?? NaN, 1), roundRates(k, kind), fmt(percentile(m.latenciesMs, 50), 1), fmt(percentile(m.latenciesMs, 99), 1),
        fmt(p.queries), fmt(p.driverTx), fmt(p.xacts), fmt(p.walBytes, 0),
        noise(m),
      ]);
    }
    ratios.push({
      k,
      ratio: (tput.waymark ?? NaN) / (tput.direct ?? NaN),
      ratioQueue: (tput.waymark ?? NaN) / (tput.dbos ?? NaN),
      dq: (per.waymark?.queries ?? NaN) - (per.direct?.queries ?? NaN),
      dtx: (per.waymark?.xacts ?? NaN) - (per.direct?.xacts ?? NaN),
      dwal: (per.waymark?.walBytes ?? NaN) - (per.direct?.walBytes ?? NaN),
    });
  }
  log(table(
    ['workflow', 'in flight', 'runs', 'runs/s', 'runs/s by round', 'p50 ms', 'p99 ms', 'queries/step', 'tx/step (driver)', 'tx/step (pg_stat)', 'WAL B/step', 'other-db xacts'],
    rows,
  ));
  log(`\nPer step = window total / (runs x ${opts.chainSteps}), gross: includes starting the run, queue dispatch, the workflow's own`);
  log(`status writes and all queue polling during the window. Latency: start call until the SUCCESS status has committed.`);
  log();
  log(table(
    ['in flight', 'Waymark/raw direct throughput', 'Waymark/raw on queue', 'Δ queries/step vs direct', 'Δ tx/step (pg_stat)', 'Δ WAL B/step'],
    ratios.map((r) => [String(r.k), `${fmt(r.ratio * 100, 1)} %`, `${fmt(r.ratioQueue * 100, 1)} %`, signed(r.dq), signed(r.dtx), signed(r.dwal, 0)]),
  ));

  if (opts.sql) {
    log('\n## 3. Statements (pg driver), grouped\n');
    log('### Per step, inside the measured workflow\n');
    log(statementTable([
      { title: 'raw DBOS step', statements: probes.rawStep.statements, per: probes.rawStep.ops },
      { title: 'step in Waymark run', statements: probes.wmStep.statements, per: probes.wmStep.ops },
      { title: 'Waymark tx write', statements: probes.wmWrite.statements, per: probes.wmWrite.ops },
    ]));
    log('\n### Per tool call, inside the measured workflow\n');
    log(statementTable([
      { title: 'raw DBOS step', statements: probes.rawStep.statements, per: probes.rawStep.ops },
      { title: 'read tool', statements: probes.toolRead.statements, per: probes.toolRead.ops },
      { title: 'write tool', statements: probes.toolWrite.statements, per: probes.toolWrite.ops },
      { title: 'ledger answer', statements: probes.toolLedger.statements, per: probes.toolLedger.ops },
    ]));
    for (const [title, m] of [
      ['raw DBOS no-op step', probes.rawStep],
      ['read tool call', probes.toolRead],
      ['write tool call (not idempotent)', probes.toolWrite],
      ['write tool call answered from the ledger', probes.toolLedger],
    ] as const) {
      log(`\n### Statements of one ${title}, in order (step ${TRACE_STEP} of the last round's probe)\n`);
      log(traceTable(m));
    }
    for (const [k, byKind] of chains) {
      log(`\n### Per run of the ${opts.chainSteps}-step chain, ${k} in flight (all connections, incl. queue polling)\n`);
      log(statementTable([
        { title: 'raw DBOS (queue)', statements: byKind.dbos.statements, per: byKind.dbos.ops },
        { title: 'raw DBOS (direct)', statements: byKind.direct.statements, per: byKind.direct.ops },
        { title: 'Waymark', statements: byKind.waymark.statements, per: byKind.waymark.ops },
      ]));
    }
  }

  const verdicts: Verdict[] = [
    {
      goal: 'Waymark adds no query to a plain step',
      met: c.wmStep.queries <= c.rawStep.queries + 0.005,
      detail: `${fmt(c.wmStep.queries)} queries/step in a Waymark run vs ${fmt(c.rawStep.queries)} raw`,
    },
    {
      goal: 'a Waymark transactional write step costs at most one transaction more than a raw DBOS step',
      met: c.wmWrite.xacts - c.rawStep.xacts <= 1.1,
      detail: `pg_stat: ${fmt(c.wmWrite.xacts)} vs ${fmt(c.rawStep.xacts)} tx/step (${signed(c.wmWrite.xacts - c.rawStep.xacts)}, 0.1 noise allowance); ` +
        `driver: ${fmt(c.wmWrite.driverTx)} vs ${fmt(c.rawStep.driverTx)} (${signed(c.wmWrite.driverTx - c.rawStep.driverTx)})`,
    },
    toolGoal('a read tool call costs at most one transaction more than a raw DBOS step', c.toolRead, c.rawStep, 1),
    toolGoal('a write tool call costs at most one transaction more than a raw DBOS step', c.toolWrite, c.rawStep, 1),
    ...ratios.map((r) => ({
      goal: `the Waymark chain (runs.start) runs at >= 95 % of raw DBOS direct-start throughput (${r.k} in flight)`,
      met: r.ratio >= 0.95,
      detail: `${fmt(r.ratio * 100, 1)} % (against raw DBOS on a queue: ${fmt(r.ratioQueue * 100, 1)} %)`,
    })),
  ];
  log('\n## Goals\n');
  log(verdictLines(verdicts));
}

/**
 * "At most `limit` transactions more than a raw DBOS step": the driver count is exact; the
 * pg_stat figure gets the same 0.1 noise allowance as the other transaction goal.
 */
function toolGoal(goal: string, tool: PerOp, raw: PerOp, limit: number): Verdict {
  const dDriver = tool.driverTx - raw.driverTx;
  const dStat = tool.xacts - raw.xacts;
  return {
    goal,
    met: dDriver <= limit + 0.005 && dStat <= limit + 0.1,
    detail: `driver: ${fmt(tool.driverTx)} vs ${fmt(raw.driverTx)} tx (${signed(dDriver)}); ` +
      `pg_stat: ${fmt(tool.xacts)} vs ${fmt(raw.xacts)} (${signed(dStat)}, 0.1 noise allowance); ` +
      `queries ${fmt(tool.queries)} vs ${fmt(raw.queries)} (${signed(tool.queries - raw.queries)})`,
  };
}

/** One traced operation's statements, in order, with the transaction each belongs to. */
function traceTable(m: Measurement): string {
  if (!m.trace?.length) return '(no trace captured)';
  const txs = new Set(m.trace.map((t) => t.tx));
  const rows = m.trace.map((t, i) => [String(i + 1), `\`${t.sql.replace(/\|/g, '\\|')}\``, t.autocommit ? `tx ${t.tx} (autocommit)` : `tx ${t.tx}`]);
  return `${table(['#', 'statement', 'transaction'], rows, ['r', 'l', 'l'])}\n\n${m.trace.length} statements, ${txs.size} transactions.`;
}
