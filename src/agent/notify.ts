/**
 * @module notify/notifier
 * Notifications to people (approval requests, reminders, escalations) over the channels the
 * configuration enables: a JSON webhook (e.g. a chat tool) and email over SMTP. Each send is a
 * tool call with a business key, so a notification is sent once even across crashes and
 * retries; a channel that keeps failing is recorded in the ledger and does not fail the run.
 */
import { createHash } from 'node:crypto';
import { DBOS } from '@dbos-inc/dbos-sdk';
import nodemailer, { type Transporter } from 'nodemailer';
import { z } from 'zod';
import { ToolCallFailedError } from '../errors.js';
import { currentRuntime } from '../runtime/process-runtime.js';
import { callTool } from './call-tool.js';
import { defineTool } from './define-tool.js';
import { httpTool } from './http-tool.js';

const Recipients = z.object({ users: z.array(z.string()).default([]), roles: z.array(z.string()).default([]) });

/** A notification: what happened, to whom, and the structured details. */
export const NotificationSchema = z.object({
  /** Unique per notification (e.g. `approval:<id>:reminder:2`): the idempotency key. */
  id: z.string().min(1),
  kind: z.string().min(1),
  subject: z.string().min(1),
  text: z.string(),
  recipients: Recipients,
  data: z.record(z.string(), z.unknown()).default({}),
});
/** A notification to send: what happened, to whom, and the structured details. */
export interface Notification {
  /** Unique per notification (e.g. `approval:<id>:reminder:2`): the idempotency key. */
  id: string;
  kind: string;
  subject: string;
  text: string;
  recipients: { users?: string[] | undefined; roles?: string[] | undefined };
  data?: Record<string, unknown> | undefined;
}

const webhookUrl = (): string => {
  const url = currentRuntime().config.notify.webhookUrl;
  if (!url) throw new ToolCallFailedError('channel_not_configured', 'WAYMARK_NOTIFY_WEBHOOK_URL is not set', { tool: 'waymark.notify.webhook', key: '', attempts: 0 });
  return url;
};

/** Posts the notification as JSON; the receiver can de-duplicate by the Idempotency-Key header. */
export const webhookChannel = httpTool({
  name: 'waymark.notify.webhook',
  effect: 'write',
  idempotent: true,
  input: NotificationSchema,
  output: z.unknown(),
  key: (n) => `${n.id}:webhook`,
  retry: { maxAttempts: 5, initialDelayMs: 1_000, maxDelayMs: 60_000 },
  timeoutMs: 10_000,
  request: (n) => ({ method: 'POST', url: webhookUrl(), body: n }),
  parse: async (res) => {
    const text = await res.text();
    return { status: res.status, body: text.slice(0, 500) };
  },
});

let transport: { url: string; t: Transporter } | undefined;
function mailer(url: string): Transporter {
  if (transport?.url !== url) transport = { url, t: nodemailer.createTransport(url) };
  return transport.t;
}

const EMAIL = z.string().email();

/**
 * Emails the notification to the recipients that are email addresses. Its Message-ID is
 * derived from the notification id, so a resend after a crash in the middle of the SMTP
 * exchange carries the same Message-ID and mail clients show it once.
 */
export const emailChannel = defineTool({
  name: 'waymark.notify.email',
  effect: 'write',
  idempotent: true,
  input: NotificationSchema,
  output: z.object({ messageId: z.string().nullable(), accepted: z.array(z.string()) }),
  key: (n) => `${n.id}:email`,
  retry: { maxAttempts: 5, initialDelayMs: 1_000, maxDelayMs: 60_000 },
  timeoutMs: 20_000,
  async run(n, { idempotencyKey }) {
    const { smtpUrl, emailFrom } = currentRuntime().config.notify;
    const to = n.recipients.users.filter((u) => EMAIL.safeParse(u).success);
    if (!smtpUrl || to.length === 0) return { messageId: null, accepted: [] };
    const messageId = `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@waymark>`;
    const info = (await mailer(smtpUrl).sendMail({ from: emailFrom, to, subject: n.subject, text: n.text, messageId })) as { accepted?: unknown[] };
    return { messageId, accepted: (info.accepted ?? []).map(String) };
  },
});

/** Which notification channels are configured (checkpointed by the caller, see {@link notify}). */
export interface NotifyChannels {
  hook: boolean;
  smtp: boolean;
}

/**
 * The channels the configuration enables now. Call it inside a step whose output the workflow
 * keeps, so that replays see the channels of the first execution.
 *
 * @example
 * ```ts
 * const { channels } = await DBOS.runStep(async () => ({ ..., channels: configuredChannels() }), { name: 'my.step' });
 * ```
 */
export function configuredChannels(): NotifyChannels {
  const { webhookUrl, smtpUrl } = currentRuntime().config.notify;
  return { hook: Boolean(webhookUrl), smtp: Boolean(smtpUrl) };
}

/**
 * Sends a notification on every configured channel, once per notification id. Call it from a
 * workflow. Returns the channels that delivered it. Which channels are on must not change
 * between a run's first execution and a replay: pass `channels` from a step's checkpointed
 * output ({@link configuredChannels}), or leave it out and notify checkpoints them in a step
 * of its own.
 *
 * @example
 * ```ts
 * await notify({ id: `approval:${id}:reminder:1`, kind: 'approval.reminder', subject: 'Reminder: approve payout',
 *   text: 'Claim 42 waits for your approval', recipients: { users: ['ada@example.com'], roles: [] } });
 * ```
 */
export async function notify(n: Notification, channels?: NotifyChannels): Promise<string[]> {
  const { hook, smtp } = channels ?? (await DBOS.runStep(async () => configuredChannels(), { name: 'waymark.notify.channels' }));
  const delivered: string[] = [];
  const send = async (name: string, call: () => Promise<unknown>): Promise<void> => {
    try {
      await call();
      delivered.push(name);
    } catch (e) {
      // The ledger records the failed delivery; a reminder that cannot be sent must not fail the run.
      if (!(e instanceof ToolCallFailedError)) throw e;
    }
  };
  if (hook) await send('webhook', () => callTool(webhookChannel, n, { failRunOnExhaustion: false }));
  if (smtp) await send('email', () => callTool(emailChannel, n, { failRunOnExhaustion: false }));
  return delivered;
}
