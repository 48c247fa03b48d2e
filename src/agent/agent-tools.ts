/**
 * @module agent/agent-tools
 * The tools an agent may use, and what happens to each call the model asks for: refused when
 * the tool is outside the agent's allowed set; sent to a person first when it needs approval
 * (declared, or a write proposed after untrusted content); executed through `callTool` (the
 * ledger, idempotency keys, in-doubt handling, the authority check); its result screened and
 * gated by confidence. Every outcome becomes a tool result the model reads.
 */
import { tool as sdkTool, type JSONValue, type ToolSet } from 'ai';
import { ToolCallFailedError } from '../errors.js';
import { scrubDeep } from '../redact.js';
import { confidenceOf, editSchemaOf, recordAgentEvent, reviewLowConfidence, screenContent, type ConfidenceGate, type ScreenHook } from './agent-gates.js';
import type { Provenance } from './agent-transcript.js';
import { callTool } from './call-tool.js';
import type { Tool } from './define-tool.js';
import { applyEdits } from './json-diff.js';
import { requestApproval, type AssigneeSpec } from './request-approval.js';
import type { RunContext } from './run-context.js';
import { redact } from './tool-keys.js';

/** A tool as an agent uses it. */
export interface AgentToolSpec {
  tool: Tool;
  /** What the model is told the tool does. */
  description?: string;
  /** A person approves each call first (true), or the calls this returns true for. */
  requireApproval?: boolean | ((args: unknown) => boolean);
  /** Its results are trusted (default false: tool output is untrusted content). */
  trusted?: boolean;
  /** Results scored below the threshold go to a person, whose edit is what the model reads. */
  confidence?: ConfidenceGate;
}

/** An agent's tools by the name the model calls them (letters, digits, `_` and `-`). */
export type AgentTools = Record<string, Tool | AgentToolSpec>;

/** A tool result as the model reads it (an AI SDK tool-result output). */
export type ToolOutput = { type: 'json'; value: JSONValue } | { type: 'error-text'; value: string };

/** How one call ended. */
export interface CallResult {
  output: ToolOutput;
  /** The output as stored in the transcript (secret fields redacted). */
  stored: ToolOutput;
  provenance: Provenance | null;
}

/** What handling a call needs from the agent. */
export interface CallSettings {
  ctx: RunContext;
  thread: string;
  tools: ReadonlyMap<string, AgentToolSpec>;
  allowed: ReadonlySet<string>;
  approvers: AssigneeSpec;
  screen: ScreenHook | undefined;
  untrustedWritesNeedApproval: boolean;
}

/**
 * The agent's tools with defaults filled in, by model-facing name.
 *
 * @example
 * ```ts
 * const specs = agentToolSpecs({ lookup: crmLookup, refund: { tool: refund, requireApproval: true } });
 * ```
 */
export function agentToolSpecs(tools: AgentTools): Map<string, AgentToolSpec> {
  return new Map(Object.entries(tools).map(([name, t]) => [name, 'tool' in t && typeof t.tool === 'object' ? t : { tool: t as Tool }]));
}

/**
 * The tools offered to the model: schemas only (no `execute`), so the AI SDK returns the
 * calls and the agent runs them durably, one by one.
 *
 * @example
 * ```ts
 * await generateText({ model, messages, tools: modelToolSet(specs, allowed) });
 * ```
 */
export function modelToolSet(specs: ReadonlyMap<string, AgentToolSpec>, allowed: ReadonlySet<string>): ToolSet {
  const set: ToolSet = {};
  for (const [name, s] of specs) {
    if (allowed.has(name)) set[name] = sdkTool({ description: s.description ?? s.tool.name, inputSchema: s.tool.input });
  }
  return set;
}

const errorResult = (message: string): CallResult => {
  const output: ToolOutput = { type: 'error-text', value: message };
  return { output, stored: output, provenance: null };
};

/**
 * Handles one call the model asked for and returns what the model is to read.
 * `consumedUntrusted`: the turn that proposed it was sent untrusted content.
 *
 * @example
 * ```ts
 * const r = await handleToolCall(settings, { toolName: 'refund', input: { orderId: 'o1' } }, false);
 * ```
 */
export async function handleToolCall(s: CallSettings, call: { toolName: string; input: unknown }, consumedUntrusted: boolean): Promise<CallResult> {
  const spec = s.tools.get(call.toolName);
  if (!spec || !s.allowed.has(call.toolName)) {
    const reason = `The model called '${call.toolName}', which this agent may not use; it was not called`;
    await recordAgentEvent(s.ctx, 'agent_tool_refused', reason, { thread: s.thread, tool: call.toolName, args: scrubDeep(call.input) });
    return errorResult(`Tool '${call.toolName}' is not allowed for this agent. Allowed tools: ${[...s.allowed].join(', ') || 'none'}.`);
  }
  const { tool } = spec;
  let args = call.input;
  const declared = typeof spec.requireApproval === 'function' ? spec.requireApproval(args) : spec.requireApproval === true;
  const untrusted = tool.effect === 'write' && s.untrustedWritesNeedApproval && consumedUntrusted;
  if (declared || untrusted) {
    if (untrusted) {
      await recordAgentEvent(s.ctx, 'agent_untrusted_write', `'${tool.name}' was proposed after the model read untrusted content; a person approves it first`, {
        thread: s.thread, tool: tool.name,
      });
    }
    const d = await requestApproval({
      title: `The agent wants to call '${tool.name}'${untrusted ? ' (after reading untrusted content)' : ''}`,
      proposal: redact(args, tool.secret),
      editSchema: editSchemaOf(tool.input),
      assignees: s.approvers,
    });
    if (d.decision !== 'approved') {
      return errorResult(`A person (${d.decidedBy}) rejected the call to '${call.toolName}'${d.comment ? `: ${d.comment}` : ''}. It was not made.`);
    }
    // The reviewer saw the arguments with secret fields redacted: their edits go onto the live ones.
    if (d.edits !== null && d.edits !== undefined) args = applyEdits(args, d.edits);
  }
  let value: unknown;
  try {
    value = await callTool(tool, args as never, { failRunOnExhaustion: false });
  } catch (e) {
    if (e instanceof ToolCallFailedError) return errorResult(`Tool '${call.toolName}' failed (${e.code}): ${e.message}`);
    throw e;
  }
  if (spec.confidence) value = await gateToolResult(s, spec, value);
  if (value instanceof GateRejection) return errorResult(value.message);
  const provenance: Provenance | null = spec.trusted ? null : { trusted: false, source: `tool:${tool.name}` };
  if (provenance && s.screen) {
    const verdict = await screenContent(s.ctx, s.screen, JSON.stringify(value) ?? 'null', provenance);
    if (verdict.action === 'block') {
      const output: ToolOutput = { type: 'error-text', value: `The result of '${call.toolName}' was withheld by content screening: ${verdict.reason}` };
      return { output, stored: output, provenance };
    }
  }
  // Validated by the tool's output schema: JSON.
  const json = (value ?? null) as JSONValue;
  return { output: { type: 'json', value: json }, stored: { type: 'json', value: redact(json, tool.secret) }, provenance };
}

class GateRejection {
  constructor(readonly message: string) {}
}

async function gateToolResult(s: CallSettings, spec: AgentToolSpec, value: unknown): Promise<unknown> {
  const gate = spec.confidence!;
  const score = await confidenceOf(gate, value);
  if (score === undefined || score >= gate.threshold) return value;
  const d = await reviewLowConfidence(s.ctx, {
    what: `tool '${spec.tool.name}'`, score, threshold: gate.threshold, proposal: redact(value, spec.tool.secret),
    editSchema: editSchemaOf(spec.tool.output), assignees: s.approvers,
  });
  if (d.decision !== 'approved') return new GateRejection(`A person (${d.decidedBy}) rejected the result of '${spec.tool.name}'${d.comment ? `: ${d.comment}` : ''}.`);
  return d.edits !== null && d.edits !== undefined ? applyEdits(value, d.edits) : value;
}
