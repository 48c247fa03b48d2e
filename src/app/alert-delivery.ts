/**
 * @module app/alert-delivery
 * Delivers the alerts outbox (`waymark.alerts`, written by triggers with the facts they
 * report) to the configured channels on every housekeeping pass: a JSON webhook and email.
 * Each alert carries a link to the console page that resolves it. Delivery is once per channel
 * per alert: a claim keeps other workers off while one sends, each channel's success is
 * recorded, and a crash between a send and its record resends with the same idempotency key
 * (`Idempotency-Key` header, `Message-ID`), so the receiver shows it once.
 */
import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { WaymarkConfig } from '../config.js';
import { ensureError } from '../errors.js';
import type { Logger } from '../logger.js';
import { scrubText } from '../redact.js';
import { SYSTEM_SCOPE } from '../scope.js';
import { claimDueAlerts, finishAlert, recordAlertChannel, recordAlertFailure, type AlertRow } from '../store/alerts.js';
import type { Database } from '../store/gateway.js';
import { metrics } from '../telemetry/metrics.js';

/** What delivery works with. */
export interface AlertDeliveryDeps {
  db: Database;
  config: Pick<WaymarkConfig, 'alerts' | 'publicUrl' | 'notify'>;
  log: Logger;
}

/** An alert as sent: the webhook's JSON body, and what the email says. */
export interface AlertMessage {
  /** Unique per alert: the idempotency key. */
  id: string;
  kind: string;
  tenantId: string;
  /** Null for an alert of the installation (a circuit breaker open too long). */
  runId: string | null;
  subject: string;
  text: string;
  /** The console page that resolves it. */
  link: string;
  data: Record<string, unknown>;
  createdAt: string;
}

const BATCH = 20;
const CLAIM_SECONDS = 60;
const SEND_TIMEOUT_MS = 10_000;

/**
 * Sends the due alerts (none when no channel is configured: they wait in the outbox).
 *
 * @example
 * ```ts
 * await deliverAlerts({ db, config, log });
 * ```
 */
export async function deliverAlerts(d: AlertDeliveryDeps): Promise<void> {
  const channels = configuredChannels(d.config);
  if (channels.length === 0) return;
  for (const alert of await d.db.tx(SYSTEM_SCOPE, (q) => claimDueAlerts(q, BATCH, CLAIM_SECONDS))) {
    const message = alertMessage(alert, d.config.publicUrl);
    let failure: string | undefined;
    for (const ch of channels) {
      if (alert.channels_done.includes(ch.name)) continue;
      try {
        await ch.send(message);
        await d.db.tx(SYSTEM_SCOPE, (q) => recordAlertChannel(q, alert.id, ch.name));
        metrics.alertsDelivered.inc({ kind: alert.kind, channel: ch.name });
      } catch (e) {
        failure = scrubText(`${ch.name}: ${ensureError(e).message}`);
        metrics.alertFailures.inc({ channel: ch.name });
      }
    }
    if (failure === undefined) {
      await d.db.tx(SYSTEM_SCOPE, (q) => finishAlert(q, alert.id));
      d.log.info({ alertId: message.id, kind: alert.kind, runId: alert.run_id, tenantId: alert.tenant_id }, 'alert delivered');
    } else {
      const retryInMs = Math.min(3_600_000, 5_000 * 2 ** Math.min(alert.attempts - 1, 10));
      await d.db.tx(SYSTEM_SCOPE, (q) => recordAlertFailure(q, alert.id, failure, retryInMs));
      d.log.warn({ alertId: message.id, kind: alert.kind, runId: alert.run_id, error: failure, retryInMs }, 'alert delivery failed; trying again later');
    }
  }
}

interface Channel {
  name: 'webhook' | 'email';
  send(m: AlertMessage): Promise<void>;
}

function configuredChannels(config: AlertDeliveryDeps['config']): Channel[] {
  const out: Channel[] = [];
  const { webhookUrl, emails } = config.alerts;
  if (webhookUrl) out.push({ name: 'webhook', send: (m) => postWebhook(webhookUrl, m) });
  const { smtpUrl, emailFrom } = config.notify;
  if (smtpUrl && emails.length > 0) out.push({ name: 'email', send: (m) => sendEmail(smtpUrl, emailFrom, emails, m) });
  return out;
}

async function postWebhook(url: string, m: AlertMessage): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': m.id },
    body: JSON.stringify(m),
    signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`the webhook answered ${res.status}`);
}

let transport: { url: string; t: Transporter } | undefined;

async function sendEmail(smtpUrl: string, from: string, to: string[], m: AlertMessage): Promise<void> {
  if (transport?.url !== smtpUrl) transport = { url: smtpUrl, t: nodemailer.createTransport(smtpUrl) };
  // Derived from the alert, so a resend after a crash is recognisably the same message.
  const messageId = `<${createHash('sha256').update(m.id).digest('hex').slice(0, 32)}@waymark>`;
  await transport.t.sendMail({ from, to, subject: m.subject, text: `${m.text}\n\nResolve it here: ${m.link}\n`, messageId });
}

/**
 * What an alert says, and the console link that resolves it.
 *
 * @example
 * ```ts
 * alertMessage(row, 'https://waymark.example.com').link; // 'https://waymark.example.com/dead-letters/run-1'
 * ```
 */
export function alertMessage(a: AlertRow, publicUrl: string | undefined): AlertMessage {
  const str = (k: string): string => (typeof a.data[k] === 'string' ? (a.data[k]) : typeof a.data[k] === 'number' ? String(a.data[k]) : '?');
  const { subject, text } = ((): { subject: string; text: string } => {
    switch (a.kind) {
      case 'dead_letter':
        return {
          subject: `Dead letter: run ${a.run_id} (${str('workflow')}) failed for good`,
          text: `Run ${a.run_id} of workflow ${str('workflow')} failed for good (${str('cause')}). Retry it from the failing step or discard it.`,
        };
      case 'in_doubt':
        return {
          subject: `Tool call in doubt: ${str('tool')} in run ${a.run_id}`,
          text: `Tool '${str('tool')}' may or may not have acted (its outcome was lost). Run ${a.run_id} waits until a person says whether it happened.`,
        };
      case 'budget_exceeded':
        return {
          subject: `Budget refused a model call in run ${a.run_id}`,
          text: `A model call of run ${a.run_id} would pass the ${str('budget')} budget's ${str('resource')} limit (${str('limit')}; spent ${str('spent')}, estimate ${str('estimate')}); policy ${str('policy')}.`,
        };
      case 'escalated':
        return { subject: `Run ${a.run_id} escalated`, text: `Run ${a.run_id} escalated: ${str('reason')}` };
      case 'breaker_open':
        return {
          subject: `Dependency down: breaker ${str('breaker')} open for ${str('openSeconds')} s`,
          text:
            `Circuit breaker '${str('breaker')}' has been open since ${str('openedAt')}: its dependency keeps failing. ` +
            `${str('waitingCalls')} call(s) wait for it without spending attempts; one call probes it at each probe time. ` +
            'Reset it once the dependency is back, force it open to stop the probes, or cancel the waiting runs.',
        };
    }
  })();
  return {
    id: `alert:${a.tenant_id}:${a.key}`, kind: `alert.${a.kind}`, tenantId: a.tenant_id, runId: a.run_id, subject, text,
    link: `${publicUrl ?? ''}/${a.page}/${encodeURIComponent(a.page_id)}`, data: a.data, createdAt: a.created_at.toISOString(),
  };
}
