/**
 * @module model-server
 * A scripted local model server speaking the OpenAI chat-completions protocol
 * (`POST /v1/chat/completions`), JSON and server-sent events, so the AI SDK's
 * OpenAI-compatible provider talks to it as it would to a real provider. Each request is
 * answered by the next reply queued for its scenario (a tag found in the request's messages),
 * else by the default responder: text, tool calls, a 429 with `Retry-After`, a 500, a
 * context-length 400, or a hang until the server stops or the caller goes away. It counts
 * every request, so a test can prove a model call was (or was not) sent again.
 *
 * It depends only on `node:http`, so the local model server bundled for examples can reuse it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Token counts the server reports (OpenAI `usage`). */
export interface ScriptedUsage {
  prompt: number;
  completion: number;
  cached?: number;
  reasoning?: number;
}

/** One scripted answer. */
export type ModelReply =
  | { kind: 'text'; text: string; usage?: ScriptedUsage; finishReason?: 'stop' | 'length' | 'content_filter' }
  | { kind: 'tool-calls'; calls: { id?: string; name: string; args: unknown }[]; text?: string; usage?: ScriptedUsage }
  | { kind: 'error'; status: number; message: string; type?: string; code?: string; headers?: Record<string, string> }
  /** Never answers: the request stays open until the caller goes away or the server stops. */
  | { kind: 'hang' };

/** A request as the server saw it. */
export interface SeenModelRequest {
  at: number;
  /** The scenario tag found in the messages, if any. */
  tag: string | undefined;
  stream: boolean;
  includeUsage: boolean;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** Builders for the usual replies. */
export const reply = {
  text: (text: string, usage?: ScriptedUsage): ModelReply => ({ kind: 'text', text, ...(usage ? { usage } : {}) }),
  json: (value: unknown, usage?: ScriptedUsage): ModelReply => ({ kind: 'text', text: JSON.stringify(value), ...(usage ? { usage } : {}) }),
  toolCalls: (calls: { id?: string; name: string; args: unknown }[], usage?: ScriptedUsage): ModelReply => ({ kind: 'tool-calls', calls, ...(usage ? { usage } : {}) }),
  rateLimited: (retryAfterSeconds: number): ModelReply => ({
    kind: 'error', status: 429, message: 'Rate limit reached', type: 'rate_limit_error', code: 'rate_limit_exceeded',
    headers: { 'retry-after': String(retryAfterSeconds) },
  }),
  serverError: (): ModelReply => ({ kind: 'error', status: 500, message: 'The server had an error', type: 'server_error' }),
  contextLengthExceeded: (): ModelReply => ({
    kind: 'error', status: 400, type: 'invalid_request_error', code: 'context_length_exceeded',
    message: "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
  }),
  hang: (): ModelReply => ({ kind: 'hang' }),
};

const DEFAULT_USAGE: ScriptedUsage = { prompt: 10, completion: 5 };
/** A scenario tag in a message: `[scenario:<tag>]`. */
const TAG = /\[scenario:([A-Za-z0-9_.:-]+)\]/;

/**
 * The scripted server. Queue replies per scenario with {@link ModelServer.script}; a prompt
 * carries its scenario as `[scenario:<tag>]` anywhere in its messages.
 *
 * @example
 * ```ts
 * const server = new ModelServer();
 * await server.start();
 * server.script('flaky', reply.serverError(), reply.text('hello'));
 * const local = createOpenAICompatible({ name: 'local', baseURL: server.baseURL, includeUsage: true });
 * await generateText({ model: local('m'), prompt: '[scenario:flaky] hi', maxRetries: 0 });
 * server.count('flaky'); // 1
 * ```
 */
export class ModelServer {
  readonly requests: SeenModelRequest[] = [];
  /** Answers requests no script covers; by default the text `ok`. */
  respond: (req: SeenModelRequest) => ModelReply = () => reply.text('ok');
  /** Delay between streamed chunks (ms). */
  chunkDelayMs = 0;
  #scripts = new Map<string, ModelReply[]>();
  #server: http.Server | undefined;
  #hanging = new Set<http.ServerResponse>();
  #waiters: (() => void)[] = [];
  #held = new Map<string, { gate: Promise<void>; open: () => void }>();
  url = '';

  /** The base URL to give a provider (`…/v1`). */
  get baseURL(): string {
    return `${this.url}/v1`;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.#server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => void this.#handle(req, res, raw));
    });
    this.#server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => this.#server!.listen(port, host, () => r()));
    this.url = `http://${host}:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const h of this.#held.values()) h.open();
    for (const r of this.#hanging) r.destroy();
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }

  /**
   * Lets the process exit while the server still listens (a server bundled with an example
   * lives as long as its host and is never stopped).
   */
  unref(): void {
    this.#server?.unref();
    this.#server?.on('connection', (socket) => socket.unref());
  }

  /** Queues replies for requests carrying `[scenario:<tag>]`; consumed in order, then the default. */
  script(tag: string, ...replies: ModelReply[]): void {
    this.#scripts.set(tag, [...(this.#scripts.get(tag) ?? []), ...replies]);
  }

  /**
   * Streams of the scenario pause after their first piece of content until {@link release}:
   * a test can look at what a caller received while the answer is still being streamed.
   */
  hold(tag: string): void {
    let open = (): void => {};
    const gate = new Promise<void>((r) => (open = r));
    this.#held.set(tag, { gate, open });
  }

  /** Lets the held streams of a scenario go on. */
  release(tag: string): void {
    this.#held.get(tag)?.open();
    this.#held.delete(tag);
  }

  /** Requests seen for a scenario (or all). */
  count(tag?: string): number {
    return tag === undefined ? this.requests.length : this.requests.filter((r) => r.tag === tag).length;
  }

  /** The requests of a scenario. */
  seen(tag: string): SeenModelRequest[] {
    return this.requests.filter((r) => r.tag === tag);
  }

  /** Resolves once `n` requests of the scenario have arrived. */
  async waitForRequests(tag: string, n: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.count(tag) < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} requests of scenario ${tag} (saw ${this.count(tag)})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      return send(res, 404, { error: { message: `No route ${req.method} ${req.url}`, type: 'invalid_request_error', code: 'not_found' } });
    }
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      return send(res, 400, { error: { message: 'Invalid JSON body', type: 'invalid_request_error', code: 'invalid_json' } });
    }
    const tag = TAG.exec(JSON.stringify(body.messages ?? []))?.[1];
    const seen: SeenModelRequest = {
      at: Date.now(), tag, stream: body.stream === true, includeUsage: body.stream_options?.include_usage === true, headers: req.headers, body,
    };
    this.requests.push(seen);
    for (const w of this.#waiters.splice(0)) w();
    const queued = tag === undefined ? undefined : this.#scripts.get(tag)?.shift();
    const answer = queued ?? this.respond(seen);
    switch (answer.kind) {
      case 'hang':
        this.#hanging.add(res);
        res.on('close', () => this.#hanging.delete(res));
        return;
      case 'error':
        return send(res, answer.status, { error: { message: answer.message, type: answer.type ?? 'error', code: answer.code ?? null } }, answer.headers);
      default:
        return seen.stream ? this.#stream(res, body, answer, seen.includeUsage, tag) : send(res, 200, completion(body, answer));
    }
  }

  async #stream(res: http.ServerResponse, body: any, answer: Extract<ModelReply, { kind: 'text' | 'tool-calls' }>, includeUsage: boolean, tag: string | undefined): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const base = { id: `chatcmpl-${Math.random().toString(36).slice(2, 10)}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model };
    const frames: unknown[] = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }];
    const text = answer.kind === 'text' ? answer.text : (answer.text ?? '');
    // Text in a few pieces, as a provider streams it.
    for (const piece of text.match(/.{1,8}/gs) ?? []) frames.push({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
    if (answer.kind === 'tool-calls') {
      answer.calls.forEach((c, i) => {
        const args = JSON.stringify(c.args);
        frames.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: i, id: c.id ?? `call_${i}`, type: 'function', function: { name: c.name, arguments: '' } }] }, finish_reason: null }] });
        for (const piece of args.match(/.{1,8}/gs) ?? []) {
          frames.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: i, function: { arguments: piece } }] }, finish_reason: null }] });
        }
      });
    }
    frames.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finishReason(answer) }] });
    if (includeUsage) frames.push({ ...base, choices: [], usage: usageOf(answer.usage) });
    for (const [i, f] of frames.entries()) {
      if (res.destroyed) return;
      res.write(`data: ${JSON.stringify(f)}\n\n`);
      // Frame 0 opens the message; frame 1 is the first piece of content.
      const held = i === 1 && tag !== undefined ? this.#held.get(tag) : undefined;
      if (held) await held.gate;
      if (this.chunkDelayMs > 0) await new Promise((r) => setTimeout(r, this.chunkDelayMs));
    }
    res.end('data: [DONE]\n\n');
  }
}

function finishReason(a: Extract<ModelReply, { kind: 'text' | 'tool-calls' }>): string {
  return a.kind === 'tool-calls' ? 'tool_calls' : (a.finishReason ?? 'stop');
}

function usageOf(u: ScriptedUsage = DEFAULT_USAGE): Record<string, unknown> {
  return {
    prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion,
    prompt_tokens_details: { cached_tokens: u.cached ?? 0 }, completion_tokens_details: { reasoning_tokens: u.reasoning ?? 0 },
  };
}

function completion(body: any, a: Extract<ModelReply, { kind: 'text' | 'tool-calls' }>): unknown {
  const message =
    a.kind === 'text'
      ? { role: 'assistant', content: a.text }
      : {
          role: 'assistant', content: a.text ?? null,
          tool_calls: a.calls.map((c, i) => ({ id: c.id ?? `call_${i}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } })),
        };
  return {
    id: `chatcmpl-${Math.random().toString(36).slice(2, 10)}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: body.model,
    choices: [{ index: 0, message, finish_reason: finishReason(a) }], usage: usageOf(a.usage),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
