/**
 * The waits benchmark's report: markdown tables on stdout and the goal verdicts.
 */
import { fmt, mean, percentile, statementTable, table, verdictLines, type Verdict } from './report.js';
import type { ParkedWaits } from './wait-parked.js';
import { WAKE_KINDS, type IdleRate, type MassWait, type WakeKind, type WakeLatency, type WakeSample } from './wait-scenarios.js';

const log = (s = ''): void => console.log(s);

export const KIND_LABEL: Record<WakeKind, string> = {
  approvalHttp: 'Waymark approval, POST /v1/approvals/{id}/decision',
  approvalDecide: 'Waymark approval, approvals.decide() in-process',
  bareSend: 'bare DBOS recv, DBOSClient.send',
};

const defined = (xs: readonly (number | undefined)[]): number[] => xs.filter((x): x is number => x !== undefined);

function p(values: readonly number[], q: number): string {
  return fmt(percentile(values, q), 2);
}

/** The latency tables, the wake-path breakdown, the statements and one trace per kind. */
export function printLatency(l: WakeLatency, warmup: number): void {
  log(`\n## W1. Wake-up latency (one waiting run woken at a time)\n`);
  const rows = WAKE_KINDS.map((k) => {
    const s = l.samples[k];
    const after = s.map((x) => x.step - x.t1);
    const call = s.map((x) => x.t1 - x.t0);
    const total = s.map((x) => x.step - x.t0);
    return [
      KIND_LABEL[k], String(s.length),
      p(after, 50), p(after, 99), fmt(mean(after), 2), fmt(Math.max(...after), 2),
      p(call, 50), p(call, 99), p(total, 50), p(total, 99),
      fmt(mean(s.map((x) => x.api.queries)), 2), fmt(mean(s.map((x) => x.api.tx)), 2),
      fmt(mean(s.map((x) => x.run.queries)), 2), fmt(mean(s.map((x) => x.run.tx)), 2),
      `${l.durableMatches[k]} / ${s.length}`,
    ];
  });
  log(table(
    ['wake-up', 'n', 'returned→step p50 ms', 'p99', 'mean', 'max', 'trigger call p50 ms', 'p99', 'trigger start→step p50 ms', 'p99',
      'trigger queries', 'trigger tx', 'run queries', 'run tx', 'durable marker = measured'],
    rows,
  ));
  log(`\nreturned→step: from the trigger call returning (HTTP response body read; decide() or send() resolved) to the body of the`);
  log(`run's next step starting (the marker step's own timestamp, also its checkpointed output: "durable marker = measured"`);
  log(`counts the runs whose checkpointed output equals the in-memory value). It can be negative when the run wakes before`);
  log(`the trigger call returns. trigger start→step: from the call's start. Queries and transactions are exact driver counts`);
  log(`per wake-up: "trigger" = statements the trigger issued (on the Waymark or the sender's pool, outside any workflow) until`);
  log(`it returned; "run" = statements the woken run issued until its marker step's body started (recv wake-up, consume,`);
  log(`checkpoints, Waymark's phase step, the marker step's pre-checks). ${warmup} unmeasured wake-ups of each kind came first;`);
  log(`the kinds are interleaved, rotating which goes first, and each run had committed SUCCESS before the next was woken.`);

  log(`\n### Where the time goes (p50 of each segment, ms)\n`);
  log(table(
    ['wake-up', 'trigger start→NOTIFY delivered', 'NOTIFY→recv returned', 'recv returned→step', 'trigger returned − NOTIFY', 'NOTIFY seen'],
    WAKE_KINDS.map((k) => {
      const s = l.samples[k];
      return [
        KIND_LABEL[k],
        p(defined(s.map((x) => (x.notify === undefined ? undefined : x.notify - x.t0))), 50),
        p(defined(s.map((x) => (x.notify === undefined || x.recvReturned === undefined ? undefined : x.recvReturned - x.notify))), 50),
        p(defined(s.map((x) => (x.recvReturned === undefined ? undefined : x.step - x.recvReturned))), 50),
        p(defined(s.map((x) => (x.notify === undefined ? undefined : x.t1 - x.notify))), 50),
        `${s.filter((x) => x.notify !== undefined).length} / ${s.length}`,
      ];
    }),
  ));
  log(`\nNOTIFY delivered: the LISTEN connection handed the message's notification to recv (hook on DBOS's notificationsMap);`);
  log(`recv returned: DBOS.recv consumed the message and checkpointed it; step: the marker step's body started.`);

  log(`\n### Statements per wake-up (pg driver), grouped\n`);
  const grouped = (k: WakeKind): Map<string, number> => {
    const m = new Map<string, number>();
    for (const s of l.samples[k]) {
      for (const [key, v] of s.statements) {
        const [source, sql] = key.split('\u0000') as [string, string];
        const label = `${source === 'api' ? 'trigger' : 'run'}: ${sql}`;
        m.set(label, (m.get(label) ?? 0) + v);
      }
    }
    return m;
  };
  log(statementTable(WAKE_KINDS.map((k) => ({ title: k, statements: grouped(k), per: l.samples[k].length })), 60));

  for (const k of WAKE_KINDS) {
    const s = l.samples[k].find((x) => x.trace);
    log(`\n### Statements of one wake-up, in order: ${KIND_LABEL[k]}\n`);
    log(traceTable(s));
  }
}

function traceTable(s: WakeSample | undefined): string {
  if (!s?.trace?.length) return '(no trace captured)';
  const marks = [
    { at: s.t1 - s.t0, label: 'trigger call returned' },
    ...(s.notify !== undefined ? [{ at: s.notify - s.t0, label: 'NOTIFY delivered to recv' }] : []),
    ...(s.recvReturned !== undefined ? [{ at: s.recvReturned - s.t0, label: 'recv returned' }] : []),
    { at: s.step - s.t0, label: 'marker step body starts' },
  ];
  const rows: string[][] = [];
  let n = 0;
  const events = [
    ...s.trace.map((t) => ({ at: t.atMs, row: (): string[] => [String(++n), fmt(t.atMs, 2), t.source === 'api' ? 'trigger' : 'run', `\`${t.sql.replace(/\|/g, '\\|')}\``, t.autocommit ? `tx ${t.tx} (autocommit)` : `tx ${t.tx}`] })),
    ...marks.map((m) => ({ at: m.at, row: (): string[] => ['', fmt(m.at, 2), '—', `*${m.label}*`, ''] })),
  ].sort((a, b) => a.at - b.at);
  for (const e of events) rows.push(e.row());
  const txs = new Set(s.trace.map((t) => `${t.source}:${t.tx}`));
  return `${table(['#', 'ms', 'source', 'statement', 'transaction'], rows, ['r', 'r', 'l', 'l', 'l'])}\n\n${s.trace.length} statements, ${txs.size} transactions; ms after the trigger call started (statement issue times).`;
}

const kb = (bytes: number, n: number): string => fmt(bytes / n / 1024, 2);

/** The mass-wait tables. */
export function printMass(results: readonly MassWait[], idle: IdleRate): void {
  if (results.length === 0) return;
  const n = results[0]!.n;
  log(`\n## W2. ${n} runs waiting at once in one worker\n`);
  const label = (m: MassWait): string => (m.kind === 'approval' ? 'Waymark approval (requestApproval)' : 'bare DBOS recv');
  log(table(
    ['waiting runs', 'n', 'start→all waiting s', 'runs/s', 'queries/run to start', 'RSS KB/run', 'heap used KB/run', 'external KB/run',
      'heap KB/run left after cancel', 'DB rows/run', 'DB bytes/run'],
    results.map((m) => {
      const rows = sumDelta(m, 'rows');
      const bytes = sumDelta(m, 'bytes');
      return [
        label(m), String(m.n), fmt(m.startMs / 1000, 1), fmt(m.n / (m.startMs / 1000), 0), fmt(m.startCounts.queries / m.n, 1),
        kb(m.memWaiting.rss - m.memBefore.rss, m.n), kb(m.memWaiting.heapUsed - m.memBefore.heapUsed, m.n),
        kb(m.memWaiting.external - m.memBefore.external, m.n), kb(m.memAfter.heapUsed - m.memBefore.heapUsed, m.n),
        fmt(rows / m.n, 2), fmt(bytes / m.n, 0),
      ];
    }),
  ));
  log(`\nMemory: process.memoryUsage() after forced full GCs, all ${n} waiting minus before starting them, divided by ${n}. It includes`);
  log(`about 0.07 KB/run of benchmark bookkeeping (the run id kept for cancelling; the hooks add nothing per run). DB: exact`);
  log(`count(*) and pg_total_relation_size() of every dbos.* and waymark.* table, all waiting minus before; autovacuum is off`);
  log(`on those tables in this database, so bytes include the dead row versions the runs' updates left behind.`);
  log();
  log(table(
    ['while all wait', 'seconds', 'queries/s', 'queries/s per 1,000 waiting', 'tx/s', 'worker CPU ms/s', 'event-loop delay p99 ms', 'cancel→all gone s'],
    [
      ['nothing waiting (idle worker)', '', fmt(idle.queriesPerS, 1), '', fmt(idle.txPerS, 1), fmt(idle.cpuMsPerS, 1), '', ''],
      ...results.map((m) => [
        label(m), fmt(m.idle.seconds, 1), fmt(m.idle.queriesPerS, 1), fmt(((m.idle.queriesPerS - idle.queriesPerS) / m.n) * 1000, 1),
        fmt(m.idle.txPerS, 1), fmt(m.idle.cpuMsPerS, 1), fmt(m.idle.eventLoopP99Ms, 1), fmt(m.drainMs / 1000, 1),
      ]),
    ],
  ));
  log(`\nqueries/s per 1,000 waiting: (queries/s while waiting − idle) / n × 1,000; each waiting DBOS recv polls every 10 s`);
  log(`(a cancellation check and a notifications SELECT) besides the LISTEN/NOTIFY wake-up.`);

  log(`\n### Wake-ups while the others wait\n`);
  log(table(
    ['wake-up', 'waiting', 'n', 'returned→step p50 ms', 'p99', 'max', 'trigger call p50 ms', 'p99', 'NOTIFY→step p50 ms', 'p99'],
    results.filter((m) => m.underLoad.length > 0).map((m) => {
      const s = m.underLoad;
      const after = s.map((x) => x.step - x.t1);
      const call = s.map((x) => x.t1 - x.t0);
      const wake = defined(s.map((x) => (x.notify === undefined ? undefined : x.step - x.notify)));
      return [KIND_LABEL[s[0]!.kind], String(m.n), String(s.length), p(after, 50), p(after, 99), fmt(Math.max(...after), 2), p(call, 50), p(call, 99), p(wake, 50), p(wake, 99)];
    }),
  ));
  log(`\nThe first runs of the ${n} waiting, woken one at a time after the load window (HTTP decision or DBOSClient.send), as in W1,`);
  log(`while the others keep waiting and polling: the woken recv's own cancellation check and message SELECT queue behind`);
  log(`their polls in DBOS's polling limiter (half the 10-connection system pool).`);

  log(`\n### Rows and bytes per waiting run, by table\n`);
  const names = [...new Set(results.flatMap((m) => [...m.dbWaiting.keys()]))].sort();
  const rows = names
    .map((name) => [name, ...results.flatMap((m) => {
      const b = m.dbBefore.get(name) ?? { rows: 0, bytes: 0 };
      const w = m.dbWaiting.get(name) ?? { rows: 0, bytes: 0 };
      return [fmt((w.rows - b.rows) / m.n, 2), fmt((w.bytes - b.bytes) / m.n, 0)];
    })])
    .filter((r) => r.slice(1).some((c) => Number(c) !== 0));
  log(table(['table', ...results.flatMap((m) => [`${m.kind} rows/run`, `${m.kind} bytes/run`])], rows));
}

/** Heap objects added per waiting run, by constructor or type (BENCH_WAIT_HEAP=1). */
export function printHeap(results: readonly MassWait[], top = 30): void {
  for (const m of results) {
    if (!m.heap) continue;
    const total = m.heap.reduce((s, h) => s + h.bytes, 0);
    const left = new Map((m.heapLeft ?? []).map((h) => [h.label, h]));
    log(`\n### Heap objects added per waiting run: ${m.kind} (n = ${m.n}; ${fmt(total / m.n / 1024, 2)} KB/run in all, self sizes)\n`);
    log(table(
      ['object (constructor / type)', 'bytes/run', 'objects/run', 'bytes/run left after cancel'],
      m.heap.slice(0, top).map((h) => [
        `\`${h.label.replace(/\|/g, '\\|').slice(0, 80)}\``, fmt(h.bytes / m.n, 0), fmt(h.count / m.n, 2), fmt((left.get(h.label)?.bytes ?? 0) / m.n, 0),
      ]),
    ));
  }
}

/** W3: wake-ups of parked (cancelled) runs by send + resume, against W1's bare recv. */
export function printParked(samples: readonly WakeSample[], l: WakeLatency | undefined): void {
  if (samples.length === 0) return;
  log(`\n## W3. Park and resume: a parked run woken by DBOSClient.send + resumeWorkflow (prototype)\n`);
  const row = (label: string, s: readonly WakeSample[]): string[] => {
    const after = s.map((x) => x.step - x.t1);
    const call = s.map((x) => x.t1 - x.t0);
    const total = s.map((x) => x.step - x.t0);
    return [
      label, String(s.length), p(after, 50), p(after, 99), fmt(Math.max(...after), 2), p(call, 50), p(total, 50), p(total, 99),
      fmt(mean(s.map((x) => x.api.queries)), 2), fmt(mean(s.map((x) => x.api.tx)), 2), fmt(mean(s.map((x) => x.run.queries)), 2), fmt(mean(s.map((x) => x.run.tx)), 2),
    ];
  };
  log(table(
    ['wake-up', 'n', 'returned→step p50 ms', 'p99', 'max', 'trigger call p50 ms', 'trigger start→step p50 ms', 'p99', 'trigger queries', 'trigger tx', 'run queries', 'run tx'],
    [
      row('parked bare DBOS run: send + resumeWorkflow (queue)', samples),
      ...(l ? [row('live bare DBOS recv: send (W1)', l.samples.bareSend)] : []),
    ],
  ));
  log(`\nThe parked runs were bare waiters cancelled while blocked in recv (so nothing of them stays in this process: see W2's`);
  log(`"heap left after cancel"). The trigger is the send plus the resume (status -> ENQUEUED on the queue); the run is then`);
  log(`dispatched by the queue poller (minPollingIntervalMs=100), replays its recorded steps and finds the message at once.`);
  log(`"run queries" counts from its dispatch to the marker step (replay included).`);
  const s = samples.find((x) => x.trace);
  if (s) {
    log(`\n### Statements of one resumed run, in order\n`);
    log(traceTable(s));
  }
}

function sumDelta(m: MassWait, f: 'rows' | 'bytes'): number {
  let s = 0;
  for (const [name, w] of m.dbWaiting) s += w[f] - (m.dbBefore.get(name)?.[f] ?? 0);
  return s;
}

/** The goals (printed; they never fail the process). */
export function printGoals(l: WakeLatency | undefined, mass: readonly MassWait[]): void {
  const verdicts: Verdict[] = [];
  if (l) {
    const after = (k: WakeKind): number[] => l.samples[k].map((x) => x.step - x.t1);
    const http50 = percentile(after('approvalHttp'), 50);
    const http99 = percentile(after('approvalHttp'), 99);
    const bare50 = percentile(after('bareSend'), 50);
    verdicts.push(
      {
        goal: 'approval round trip (decision returned → next step) p50 within 2x of the bare DBOS round trip p50',
        met: http50 <= 2 * bare50,
        detail: `${fmt(http50, 2)} ms vs bare ${fmt(bare50, 2)} ms (${fmt(http50 / bare50, 2)}x; limit ${fmt(2 * bare50, 2)} ms)`,
      },
      { goal: 'approval round trip p99 under 30 ms', met: http99 < 30, detail: `${fmt(http99, 2)} ms` },
    );
  }
  for (const m of mass.filter((x) => x.kind === 'approval')) {
    const rss = (m.memWaiting.rss - m.memBefore.rss) / m.n / 1024;
    const heap = (m.memWaiting.heapUsed - m.memBefore.heapUsed) / m.n / 1024;
    const ext = (m.memWaiting.external - m.memBefore.external) / m.n / 1024;
    verdicts.push({
      goal: 'under 10 KB of worker memory per waiting approval run',
      met: rss < 10 && heap + Math.max(0, ext) < 10,
      detail: `RSS ${fmt(rss, 2)} KB/run, heap used ${fmt(heap, 2)} KB/run, external ${fmt(ext, 2)} KB/run (n = ${m.n})`,
    });
  }
  log('\n## Goals\n');
  log(verdictLines(verdicts));
}

/** W4 at every size, with the start → first step latency and the hot wake-up (W1) beside it. */
export function printParkedWaits(rs: readonly ParkedWaits[], idle: IdleRate | undefined, l: WakeLatency | undefined, firstStep: readonly number[]): void {
  if (rs.length === 0) return;
  log(`\n## W4. Waymark approval runs parked (WAYMARK_HOT_WAIT_MS=0) in one worker, ${rs.map((r) => r.n).join(' / ')}\n`);
  const massRows = rs.map((r) => {
    let rows = 0;
    let bytes = 0;
    for (const [name, after] of r.tablesParked) {
      const b = r.tablesBefore.get(name) ?? { rows: 0, bytes: 0 };
      rows += after.rows - b.rows;
      bytes += after.bytes - b.bytes;
    }
    return [
      String(r.n), fmt(r.startS, 1), fmt(r.n / r.startS, 0), kb(r.parked.rss - r.before.rss, r.n), kb(r.parked.heapUsed - r.before.heapUsed, r.n),
      fmt(rows / r.n, 2), fmt(bytes / r.n, 0), fmt(r.idle.queriesPerS, 1), idle ? fmt(r.idle.queriesPerS - idle.queriesPerS, 1) : '–',
      fmt(r.idle.txPerS, 1), fmt(r.idle.cpuMsPerS, 1),
    ];
  });
  log(table(
    ['parked runs', 'start→all parked s (cumulative)', 'runs/s', 'RSS KB/run', 'heap used KB/run', 'DB rows/run', 'DB bytes/run', 'queries/s while parked', 'above idle', 'tx/s', 'worker CPU ms/s'],
    massRows,
  ));
  log(`\nIdle worker (nothing waiting, measured before W4): ${idle ? `${fmt(idle.queriesPerS, 1)} queries/s, ${fmt(idle.txPerS, 1)} tx/s` : '–'}.`);
  // Where the idle queries go: the statements of each window, so a change with the parked count shows.
  const windows: [string, IdleRate][] = [...(idle ? [['idle worker', idle] as [string, IdleRate]] : []), ...rs.map((r): [string, IdleRate] => [`${r.n} parked`, r.idle])];
  const top = [...new Set(windows.flatMap(([, w]) => w.statements.slice(0, 8).map((x) => x.sql)))];
  log('\nStatements per second in each idle window (the most frequent of any window):\n');
  log(table(['statement', ...windows.map(([name]) => name)], top.map((sql) => [
    `\`${(sql.length > 110 ? `${sql.slice(0, 110)}…` : sql).replaceAll('|', '\\|')}\``, ...windows.map(([, w]) => fmt(w.statements.find((x) => x.sql === sql)?.perS ?? 0, 2)),
  ])));
  const hot = l?.samples.approvalDecide ?? [];
  const bare = l?.samples.bareSend ?? [];
  const rows: string[][] = rs.map((r) => {
    const after = r.wakes.map((w) => w.step - w.t1);
    const total = r.wakes.map((w) => w.step - w.t0);
    const call = r.wakes.map((w) => w.t1 - w.t0);
    return [`parked approval, decide() while ${r.n - 1} others stay parked`, String(r.wakes.length), p(after, 50), p(after, 99), fmt(Math.max(...after), 2), p(call, 50), p(total, 50), p(total, 99)];
  });
  if (hot.length > 0) {
    rows.push(['hot approval (W1, live in its hot window), approvals.decide()', String(hot.length), p(hot.map((s) => s.step - s.t1), 50), p(hot.map((s) => s.step - s.t1), 99),
      fmt(Math.max(...hot.map((s) => s.step - s.t1)), 2), p(hot.map((s) => s.t1 - s.t0), 50), p(hot.map((s) => s.step - s.t0), 50), p(hot.map((s) => s.step - s.t0), 99)]);
  }
  if (bare.length > 0) {
    rows.push(['bare DBOS recv, DBOSClient.send (W1)', String(bare.length), p(bare.map((s) => s.step - s.t1), 50), p(bare.map((s) => s.step - s.t1), 99),
      fmt(Math.max(...bare.map((s) => s.step - s.t1)), 2), p(bare.map((s) => s.t1 - s.t0), 50), p(bare.map((s) => s.step - s.t0), 50), p(bare.map((s) => s.step - s.t0), 99)]);
  }
  log('');
  log(table(['wake-up', 'n', 'returned→step p50 ms', 'p99', 'max', 'trigger call p50 ms', 'start→step p50 ms', 'p99'], rows));
  log(`\nA parked run's wake-up: the decision's transaction claims it, decide() resumes it (DBOSClient.resumeWorkflow onto the`);
  log(`run queue), the queue dispatches it (minPollingIntervalMs 100), it replays to its wait and finds the decision. Each`);
  log(`decision comes after a random pause of 0–200 ms, so it falls at a random point of the queue's polling interval.`);
  if (firstStep.length > 0) {
    log(`\nStart → first step at one in flight (runs.start of a one-step run, instant dispatch, ${firstStep.length} runs): p50 ${p(firstStep, 50)} ms, p99 ${p(firstStep, 99)} ms.`);
  }
}
