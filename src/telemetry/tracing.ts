/**
 * @module telemetry/tracing
 * OpenTelemetry traces of runs, steps, tool calls, model calls, approvals and waits. Off unless
 * the standard `OTEL_*` variables ask for an exporter (`config.tracing`); then a tracer provider
 * is registered before DBOS launches, so DBOS's own workflow and step spans (its
 * `tracingEnabled` mode: spans made, exported by us) and Waymark's spans share one pipeline and
 * one trace per run execution.
 *
 * Off, nothing of the SDK is loaded: {@link withSpan} runs its function with a no-op span after
 * one boolean check, and DBOS makes stub spans.
 *
 * Every span started inside a run carries `waymark.run_id` and `waymark.tenant_id`: the run's
 * workflow wrapper puts them in the OpenTelemetry context ({@link withRunAttributes}) and a span
 * processor copies them onto each span started under it, DBOS's included.
 */
import { context, createContextKey, trace, SpanKind, SpanStatusCode, type Attributes, type Context, type Span } from '@opentelemetry/api';

export { SpanKind };
export type { Span };
import type { TracingConfig } from '../config.js';
import type { Logger } from '../logger.js';

/** Attribute names of Waymark's spans (besides the GenAI semantic conventions). */
export const ATTR = {
  runId: 'waymark.run_id',
  tenantId: 'waymark.tenant_id',
  workflow: 'waymark.workflow',
  tool: 'waymark.tool',
  toolKey: 'waymark.tool_call.key',
  outcome: 'waymark.outcome',
  attempt: 'waymark.attempt',
  approvalId: 'waymark.approval_id',
  waitTopic: 'waymark.wait.topic',
  cost: 'waymark.cost',
  replayed: 'waymark.replayed',
} as const;

const RUN_ATTRIBUTES = createContextKey('waymark.run');
const TRACER = 'waymark';

interface Pipeline {
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

let pipeline: Pipeline | undefined;
let users = 0;

/** True while traces are exported from this process. */
export function tracingEnabled(): boolean {
  return pipeline !== undefined;
}

/** A started tracing pipeline; `stop` flushes and, for its last user, shuts it down. */
export interface TracingHandle {
  /** Exports the spans ended so far. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Registers the process's tracer provider when the configuration asks for an exporter; returns
 * undefined (and loads nothing) otherwise. Call it before DBOS launches: DBOS keeps the first
 * provider it finds. Several Waymarks in one process share the pipeline of the first.
 *
 * @example
 * ```ts
 * const tracing = await startTracing(config.tracing, log);
 * // ... DBOS.setConfig({ ..., tracingEnabled: tracing !== undefined }); await DBOS.launch();
 * await tracing?.stop();
 * ```
 */
export async function startTracing(cfg: TracingConfig, log: Logger): Promise<TracingHandle | undefined> {
  if (cfg.exporter === 'none') return undefined;
  if (!pipeline) {
    const [{ NodeTracerProvider }, { BatchSpanProcessor, ConsoleSpanExporter }, { resourceFromAttributes }, { ATTR_SERVICE_NAME }] = await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/semantic-conventions'),
    ]);
    const exporter = cfg.exporter === 'console'
      ? new ConsoleSpanExporter()
      : new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url: cfg.url, headers: cfg.headers });
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: cfg.serviceName }),
      spanProcessors: [runAttributeProcessor, new BatchSpanProcessor(exporter)],
    });
    provider.register();
    pipeline = provider;
    log.info({ exporter: cfg.exporter, url: cfg.url, serviceName: cfg.serviceName }, 'exporting OpenTelemetry traces');
  }
  users++;
  let stopped = false;
  return {
    flush: () => pipeline?.forceFlush() ?? Promise.resolve(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (--users > 0 || !pipeline) return;
      const p = pipeline;
      pipeline = undefined;
      await p.shutdown();
      // A later start in this process registers a fresh provider.
      trace.disable();
      context.disable();
    },
  };
}

/** Copies the run's attributes from the context onto every span started in it. */
const runAttributeProcessor = {
  onStart(span: Span, parent: Context): void {
    const attrs = parent.getValue(RUN_ATTRIBUTES) as Attributes | undefined;
    if (attrs) span.setAttributes(attrs);
  },
  onEnd(): void {},
  forceFlush: (): Promise<void> => Promise.resolve(),
  shutdown: (): Promise<void> => Promise.resolve(),
};

/**
 * Runs `fn` with the run's attributes on the current span (DBOS's workflow span) and on every
 * span started inside it.
 *
 * @example
 * ```ts
 * return withRunAttributes({ [ATTR.runId]: runId, [ATTR.tenantId]: tenantId }, () => fn(input));
 * ```
 */
export function withRunAttributes<T>(attrs: Attributes, fn: () => T): T {
  if (!pipeline) return fn();
  trace.getActiveSpan()?.setAttributes(attrs);
  return context.with(context.active().setValue(RUN_ATTRIBUTES, attrs), fn);
}

/**
 * Runs `fn` inside a new span (a child of the current one), ending it with `fn`'s outcome: an
 * error sets the span's status to error and records the error's name and code, never its data.
 * Without tracing, `fn` gets a no-op span.
 *
 * @example
 * ```ts
 * const out = await withSpan(`tool ${tool.name}`, { [ATTR.tool]: tool.name }, async (span) => {
 *   const r = await run();
 *   span.setAttribute(ATTR.outcome, 'succeeded');
 *   return r;
 * });
 * ```
 */
export async function withSpan<T>(name: string, attrs: Attributes, fn: (span: Span) => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  if (!pipeline) return fn(trace.wrapSpanContext(INVALID));
  return trace.getTracer(TRACER).startActiveSpan(name, { attributes: attrs, kind }, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      const err = e as { name?: unknown; code?: unknown };
      const type = typeof err.code === 'string' ? err.code : typeof err.name === 'string' ? err.name : 'Error';
      span.setStatus({ code: SpanStatusCode.ERROR, message: type });
      span.setAttribute('error.type', type);
      throw e;
    } finally {
      span.end();
    }
  });
}

const INVALID = { traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: 0 };
