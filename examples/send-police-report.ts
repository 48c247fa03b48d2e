/**
 * Sends the signed `police_report.received` webhook of the insurance-claim example to a
 * running Waymark, as the police's system would:
 *
 *   WAYMARK_WEBHOOK_SECRETS=police=demo-secret npx tsx examples/send-police-report.ts C-1 [http://127.0.0.1:3000]
 */
import { randomUUID } from 'node:crypto';
import { loadConfig, signWebhook } from '../src/server.js';

const [claimId, base = 'http://127.0.0.1:3000'] = process.argv.slice(2);
const secret = loadConfig().webhookSecrets.police;
if (!claimId || !secret) {
  console.error('usage: WAYMARK_WEBHOOK_SECRETS=police=<secret> npx tsx examples/send-police-report.ts <claimId> [baseUrl]');
  process.exit(2);
}
const body = JSON.stringify({ id: randomUUID(), type: 'police_report.received', key: claimId, data: { reportNo: `PR-${Date.now() % 100000}`, summary: 'Rear-end collision, third party at fault' } });
const res = await fetch(`${base}/v1/events/police`, { method: 'POST', headers: { 'content-type': 'application/json', 'waymark-signature': signWebhook(secret, body) }, body });
console.log(res.status, await res.text());
