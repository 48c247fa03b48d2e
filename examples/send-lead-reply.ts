/**
 * Sends the signed `lead.replied` webhook of the sales-agent example to a running Waymark, as
 * the CRM would when the lead answers the email:
 *
 *   WAYMARK_WEBHOOK_SECRETS=crm=demo-secret npx tsx examples/send-lead-reply.ts L-1 ["Tuesday works"] [http://127.0.0.1:3000]
 */
import { randomUUID } from 'node:crypto';
import { loadConfig, signWebhook } from '../src/server.js';

const [leadId, text = 'Thanks, a call next Tuesday works for me.', base = 'http://127.0.0.1:3000'] = process.argv.slice(2);
const secret = loadConfig().webhookSecrets.crm;
if (!leadId || !secret) {
  console.error('usage: WAYMARK_WEBHOOK_SECRETS=crm=<secret> npx tsx examples/send-lead-reply.ts <leadId> [text] [baseUrl]');
  process.exit(2);
}
const body = JSON.stringify({ id: randomUUID(), type: 'lead.replied', key: leadId, data: { text } });
const res = await fetch(`${base}/v1/events/crm`, { method: 'POST', headers: { 'content-type': 'application/json', 'waymark-signature': signWebhook(secret, body) }, body });
console.log(res.status, await res.text());
