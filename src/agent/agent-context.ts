/**
 * @module agent/agent-context
 * The context policy of `runAgent`, as pure rules: which messages of a conversation a model turn
 * is sent (the last N, never starting on a tool result whose call was cut off), and when the
 * messages that fell out of that window are due to be summarised.
 */

/** What a model turn is sent. */
export interface ContextPolicy {
  /** Messages sent each turn, newest last (default 40). The system prompt is always sent as well. */
  lastMessages?: number;
  /**
   * Summarises messages that fell out of the window, given the previous summary (or null); the
   * summary is stored in the transcript and sent with the system prompt. Called from the
   * workflow: make it deterministic or durable (e.g. `generateText` with a `durableModel`).
   */
  summarize?: (messages: readonly unknown[], previous: string | null) => Promise<string>;
  /** Dropped messages that trigger a new summary (default: `lastMessages`). */
  summarizeEvery?: number;
}

/** The default number of messages a turn is sent. */
export const DEFAULT_CONTEXT_MESSAGES = 40;

/**
 * The index of the first message a turn is sent, out of `roles` (the conversation's roles in
 * order): the last `lastMessages`, moved back while it would start on a tool result (a provider
 * refuses a tool result without the assistant message that called the tool).
 *
 * @example
 * ```ts
 * windowStart(['user', 'assistant', 'tool', 'assistant'], 2); // 1: the tool result keeps its call
 * ```
 */
export function windowStart(roles: readonly string[], lastMessages: number): number {
  let start = Math.max(0, roles.length - Math.max(1, lastMessages));
  while (start > 0 && roles[start] === 'tool') start--;
  return start;
}

/**
 * Whether the messages before `start` that no summary covers yet (`summarizedThrough` is the
 * index after the last summarised one) are enough to summarise now.
 *
 * @example
 * ```ts
 * summaryDue(30, 10, 20); // true: 20 messages dropped since the last summary
 * ```
 */
export function summaryDue(start: number, summarizedThrough: number, every: number): boolean {
  return start - summarizedThrough >= Math.max(1, every);
}
