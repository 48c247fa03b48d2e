/**
 * The local model the sales-agent example talks to when no real one is configured: an
 * OpenAI-compatible chat-completions server on 127.0.0.1 (JSON and streamed answers, tool
 * calls, usage), so `npm start` drafts emails without an API key. It is deterministic: it
 * looks the lead's company up with the `lookup_company` tool, sums up what the tool returned,
 * and answers a request for structured output with a plausible email and a confidence.
 */
import { ModelServer, reply, type ModelReply, type SeenModelRequest } from '../test/support/model-server.js';

/** The id the bundled model answers to. */
export const DEMO_MODEL_ID = 'waymark-demo-drafter';

interface Message {
  role: string;
  content: unknown;
}

/**
 * Starts the bundled model server; resolves with its base URL (`…/v1`).
 *
 * @example
 * ```ts
 * const { baseURL } = await startDemoModelServer(0);
 * const provider = createOpenAICompatible({ name: 'demo', baseURL, includeUsage: true });
 * ```
 */
export async function startDemoModelServer(port = 0): Promise<{ baseURL: string; close(): Promise<void> }> {
  const server = new ModelServer();
  server.respond = answer;
  await server.start(port);
  server.unref();
  return { baseURL: server.baseURL, close: () => server.stop() };
}

/** The bundled model's answer to a request. */
function answer(req: SeenModelRequest): ModelReply {
  const body = req.body as { messages?: Message[]; tools?: { function?: { name?: string } }[]; response_format?: unknown };
  const messages = body.messages ?? [];
  const prompt = messages.map((m) => textOf(m.content)).join('\n');
  // Tokens as a provider would count them, roughly: four characters each.
  const usage = (out: string) => ({ prompt: Math.ceil(JSON.stringify(messages).length / 4), completion: Math.ceil(out.length / 4) });
  const text = (out: string) => reply.text(out, usage(out));
  if (body.response_format !== undefined) return text(JSON.stringify(draftEmail(prompt)));
  const toolResult = [...messages].reverse().find((m) => m.role === 'tool');
  if (toolResult) return text(researchNotes(textOf(toolResult.content)));
  const domain = /Domain:\s*(\S+)/.exec(prompt)?.[1];
  if (domain && body.tools?.some((t) => t.function?.name === 'lookup_company')) {
    return reply.toolCalls([{ id: 'call_lookup_company', name: 'lookup_company', args: { domain } }], usage(domain));
  }
  return text('I have nothing to add.');
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === 'object' && p !== null && 'text' in p ? String((p as { text: unknown }).text) : JSON.stringify(p))).join('\n');
  return JSON.stringify(content ?? '');
}

/** Notes from the company lookup's JSON result (or a plain admission that there is none). */
function researchNotes(toolOutput: string): string {
  try {
    const c = JSON.parse(toolOutput) as { name?: string; domain?: string; industry?: string; employees?: number; summary?: string };
    if (!c.name) throw new Error('no company');
    const article = /^[aeiou]/i.test(c.industry ?? '') ? 'an' : 'a';
    return `${c.name} (${c.domain}) is ${article} ${c.industry} company with about ${c.employees} employees. ${c.summary ?? ''}`.trim();
  } catch {
    return 'Nothing is known about the company.';
  }
}

/** A short first email from what the drafting prompt says about the lead and the company. */
function draftEmail(prompt: string): { subject: string; body: string; confidence: number } {
  const name = /Lead name:\s*(.+)/.exec(prompt)?.[1]?.trim() ?? 'there';
  const company = /Company:\s*(.+)/.exec(prompt)?.[1]?.trim() ?? 'your company';
  const notes = /Research notes:\s*(.+)/.exec(prompt)?.[1]?.trim() ?? '';
  const known = notes !== '' && !notes.startsWith('Nothing is known');
  const industry = /is an? (\w+) company/.exec(notes)?.[1];
  const first = name.split(/\s+/)[0] ?? name;
  return {
    subject: industry ? `Durable AI workflows for ${company}'s ${industry} team` : `Durable AI workflows for ${company}`,
    body: [
      `Hi ${first},`,
      '',
      `thanks for your interest.${known ? ` I read that ${company} runs a growing set of AI-assisted back-office workflows.` : ''}`,
      'Waymark keeps such workflows running through crashes and deploys, asks a person before anything risky, and never sends or charges twice.',
      '',
      'Would a 20-minute call next week be useful?',
      '',
      'Best regards,',
      'The Waymark team',
    ].join('\n'),
    confidence: known ? 0.82 : 0.4,
  };
}
