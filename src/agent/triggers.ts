/**
 * @module agent/triggers
 * Event triggers declared in code: an event of a signed webhook source (`POST /v1/events/{source}`)
 * of a given type starts a run of a workflow, with its input mapped from the event. The run's
 * id comes from the source and the event id, so a retried delivery starts one run.
 */
import { WaymarkError } from '../errors.js';
import type { ReceivedEvent } from './wait-for-event.js';
import type { WorkflowDefinition, WorkflowFunction } from './workflows.js';

/** What a trigger declaration takes. */
export interface TriggerOptions {
  /** The webhook source (as configured in WAYMARK_WEBHOOK_SECRETS). */
  source: string;
  /** The event type that starts a run (`lead.created`); `*` for every type of the source. */
  type: string;
  /** The workflow to start: its public name or its declared function. */
  workflow: string | WorkflowFunction<never> | WorkflowDefinition;
  /**
   * The run's input from the event (default: the event's `data`). Validated against the
   * workflow's schema; an event it cannot map is refused (422) and nothing is stored, so the
   * sender's retry can succeed once the mapping is fixed.
   */
  input?: (event: ReceivedEvent) => unknown;
  /**
   * The run's business key (default: the event's `key`, when it is a valid business key — 1-255
   * printable ASCII characters without spaces; else the run has none).
   */
  businessKey?: (event: ReceivedEvent) => string;
  /**
   * The run's partition key, for a workflow declared partitioned (`customer:42`: one run per
   * customer at a time); required for those, refused for others when Waymark starts.
   */
  partitionKey?: (event: ReceivedEvent) => string;
  /** The run's priority: 0 (first) to 1000 (last); default 500. */
  priority?: number;
  /** Names the trigger in the audit trail. Default `<source>:<type>-><workflow>`. */
  name?: string;
}

/** A declared trigger: pass it to `startWaymark({ triggers })`. */
export interface TriggerDefinition {
  readonly name: string;
  readonly source: string;
  readonly type: string;
  readonly workflow: string;
  /** The run's input for an event. */
  mapInput(event: ReceivedEvent): unknown;
  /** The run's business key for an event (null: none). */
  businessKey(event: ReceivedEvent): string | null;
  /** The run's partition key for an event; absent: none (the workflow must not be partitioned). */
  readonly partitionKey?: ((event: ReceivedEvent) => string) | undefined;
  readonly priority?: number | undefined;
}

const SOURCE = /^[a-z0-9_-]{1,100}$/;
const BUSINESS_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Declares an event trigger (as `Waymark.trigger`, which resolves a workflow function to its name).
 *
 * @example
 * ```ts
 * export const onNewLead = Waymark.trigger({
 *   source: 'crm', type: 'lead.created', workflow: 'sales-agent',
 *   input: (event) => ({ leadId: event.key, company: (event.data as { company: string }).company }),
 * });
 * await startWaymark({ workflows, triggers: [onNewLead] });
 * ```
 */
export function defineTrigger(o: TriggerOptions, definitionOf: (fn: WorkflowFunction<never> | WorkflowDefinition) => WorkflowDefinition): TriggerDefinition {
  const workflow = typeof o.workflow === 'string' ? o.workflow : definitionOf(o.workflow).name;
  if (!SOURCE.test(o.source)) throw new WaymarkError('invalid_trigger', `Trigger source '${o.source}' must be lower-case letters, digits, - and _`);
  if (!o.type || o.type.length > 200) throw new WaymarkError('invalid_trigger', 'A trigger needs an event type (1-200 characters, or *)');
  if (o.priority !== undefined && (!Number.isInteger(o.priority) || o.priority < 0 || o.priority > 1000)) {
    throw new WaymarkError('invalid_trigger', 'A trigger\'s priority is an integer from 0 (runs first) to 1000 (runs last)');
  }
  const input = o.input ?? ((e: ReceivedEvent) => e.data ?? {});
  // An event's key is the sender's ("Dana Kim"): the default uses it only when it is a valid business key.
  const key = o.businessKey ?? ((e: ReceivedEvent) => (BUSINESS_KEY.test(e.key) ? e.key : null));
  return {
    name: o.name ?? `${o.source}:${o.type}->${workflow}`,
    source: o.source,
    type: o.type,
    workflow,
    mapInput: input,
    businessKey: key,
    partitionKey: o.partitionKey,
    priority: o.priority,
  };
}
