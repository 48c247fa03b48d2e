/**
 * A small stand-in for the third-party services of the invoice-reminder and sales-agent
 * examples (a CRM, a company directory, an email provider that honours Idempotency-Key, a
 * billing API that does not). It is a real HTTP server on 127.0.0.1, started by the example
 * itself, so `npm start` needs nothing else.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the service has done, for the curious: `GET /activity`. */
interface Activity {
  /** Each email sent: its key, recipient and message id, and what it was about. */
  emails: { key: string; to: string; messageId: string; invoiceId?: string; leadId?: string; subject?: string; text?: string }[];
  fees: { invoiceId: string; cents: number; feeId: string }[];
}

/**
 * Starts the demo vendor service; resolves with its base URL.
 *
 * @example
 * ```ts
 * const url = await startDemoVendorService(0);
 * ```
 */
export async function startDemoVendorService(port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const activity: Activity = { emails: [], fees: [] };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      let body: Record<string, unknown> = {};
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        return send(400, { error: 'malformed JSON' });
      }
      if (req.method === 'GET' && path.startsWith('/customers/')) {
        const id = decodeURIComponent(path.slice('/customers/'.length));
        return send(200, { id, name: `Customer ${id}`, email: `${id.toLowerCase().replace(/[^a-z0-9]/g, '')}@example.com` });
      }
      if (req.method === 'GET' && path.startsWith('/companies/')) return send(200, companyProfile(decodeURIComponent(path.slice('/companies/'.length))));
      if (req.method === 'POST' && path === '/emails') {
        const key = String(req.headers['idempotency-key'] ?? '');
        const earlier = activity.emails.find((e) => key && e.key === key);
        if (earlier) return send(200, { messageId: earlier.messageId }); // the provider de-duplicates
        const about = Object.fromEntries(['invoiceId', 'leadId', 'subject', 'text'].filter((f) => typeof body[f] === 'string').map((f) => [f, body[f] as string]));
        const sent = { key, to: String(body.to), messageId: `msg-${activity.emails.length + 1}`, ...about };
        activity.emails.push(sent);
        return send(200, { messageId: sent.messageId });
      }
      if (req.method === 'POST' && path === '/late-fees') {
        const fee = { invoiceId: String(body.invoiceId), cents: Number(body.cents), feeId: `fee-${activity.fees.length + 1}` };
        activity.fees.push(fee); // no idempotency: every request charges
        return send(201, { feeId: fee.feeId });
      }
      if (req.method === 'GET' && path === '/activity') return send(200, activity);
      return send(404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  server.unref();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const INDUSTRIES = ['logistics', 'insurance', 'retail', 'healthcare', 'manufacturing', 'fintech'];

/** A made-up but stable profile of the company at `domain`, as a company-data API would answer. */
function companyProfile(domain: string): { domain: string; name: string; industry: string; employees: number; summary: string } {
  const label = domain.split('.')[0] ?? domain;
  const name = label.charAt(0).toUpperCase() + label.slice(1);
  const hash = [...domain].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const industry = INDUSTRIES[hash % INDUSTRIES.length]!;
  const employees = 50 + (hash % 40) * 25;
  return { domain, name, industry, employees, summary: `${name} runs its ${industry} operations on a growing set of AI-assisted back-office workflows.` };
}
