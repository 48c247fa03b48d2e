/**
 * The chaos test's stand-in for third-party APIs: a local HTTP server in the orchestrating
 * process (so it outlives every worker it sees killed) that counts every request and every
 * side effect. Each side effect happens when the request arrives; the answer follows after a
 * random latency, which is the window in which a SIGKILLed worker leaves a call in doubt.
 *
 * - `POST /shipments {orderId}`: idempotent, de-duplicated by `Idempotency-Key` like a real
 *   provider. One shipment per key; a second shipment for one order means the key changed.
 * - `POST /shipments/cancel {orderId, shipmentId}`: cancels a shipment (the shipping tool's
 *   compensation), de-duplicated by `Idempotency-Key`.
 * - `POST /invoices {orderId, cents}`: not idempotent (every POST creates an invoice);
 *   `GET /invoices?orderId=` finds the first one (what the tool's `reconcile` asks).
 * - `POST /charges {orderId, cents}`: not idempotent, every POST charges.
 *
 * A trap makes the next request of a path for one order act and then never answer, so a test
 * can kill the worker at a known point of a call.
 */
import http from 'node:http';
import { closeLocal, listenLocal } from './local-http.js';

/** A side effect the server performed. */
export interface Effect {
  id: string;
  orderId: string;
  key: string | undefined;
  at: number;
}

/** One request as seen by the server. */
export interface SeenRequest {
  method: string;
  path: string;
  orderId: string | undefined;
  key: string | undefined;
  at: number;
}

/** Which endpoint a trap or an effect belongs to. */
export type ChaosEndpoint = 'shipments' | 'invoices' | 'charges';

export class ChaosServer {
  readonly requests: SeenRequest[] = [];
  /** Shipments by idempotency key (the provider de-duplicates by key). */
  readonly shipmentsByKey = new Map<string, Effect>();
  readonly shipments: Effect[] = [];
  /** Shipments cancelled (a compensation), de-duplicated by `Idempotency-Key` like shipping. */
  readonly cancellations: Effect[] = [];
  readonly #cancellationsByKey = new Map<string, Effect>();
  readonly invoices: Effect[] = [];
  readonly charges: Effect[] = [];
  /** Traps set: `${endpoint}:${orderId}`; and those that fired (acted, never answered). */
  readonly #traps = new Set<string>();
  readonly fired = new Map<string, number>();
  readonly #open = new Set<string>();
  readonly #held = new Map<string, () => void>();
  #server: http.Server | undefined;
  #hanging: http.ServerResponse[] = [];
  #latency: [number, number];
  url = '';

  /** `latencyMs`: the answer follows each request after a random delay in this range. */
  constructor(latencyMs: [number, number] = [20, 300]) {
    this.#latency = latencyMs;
  }

  async start(): Promise<string> {
    ({ server: this.#server, url: this.url } = await listenLocal((req, res, raw) => this.#handle(req, res, raw)));
    return this.url;
  }

  async stop(): Promise<void> {
    await closeLocal(this.#server, this.#hanging);
  }

  /** The next request to `endpoint` for `orderId` acts and then never answers. */
  trap(endpoint: ChaosEndpoint, orderId: string): void {
    this.#traps.add(`${endpoint}:${orderId}`);
  }

  /** A trap fired and its caller is still waiting for the answer. */
  isHanging(trapKey: string): boolean {
    return this.#open.has(trapKey);
  }

  /** Sends a hanging trapped call its answer after all; false if its caller is gone. */
  release(trapKey: string): boolean {
    if (!this.#open.has(trapKey)) return false;
    this.#held.get(trapKey)?.();
    return true;
  }

  /** Effects of one endpoint for one order. */
  effectsFor(endpoint: ChaosEndpoint, orderId: string): Effect[] {
    return this.#effects(endpoint).filter((e) => e.orderId === orderId);
  }

  #effects(endpoint: ChaosEndpoint): Effect[] {
    return endpoint === 'shipments' ? this.shipments : endpoint === 'invoices' ? this.invoices : this.charges;
  }

  #answer(res: http.ServerResponse, trapKey: string, status: number, body: unknown): void {
    if (this.#traps.delete(trapKey)) {
      this.fired.set(trapKey, Date.now());
      this.#hanging.push(res);
      this.#open.add(trapKey);
      this.#held.set(trapKey, () => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
      res.on('close', () => this.#open.delete(trapKey)); // the caller died (or gave up)
      return;
    }
    const [lo, hi] = this.#latency;
    setTimeout(() => {
      if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }, lo + Math.random() * (hi - lo));
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = req.headers['idempotency-key'] as string | undefined;
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      res.writeHead(400).end();
      return;
    }
    const path = url.pathname;
    const orderId: string | undefined = req.method === 'GET' ? (url.searchParams.get('orderId') ?? undefined) : body.orderId;
    const at = Date.now();
    this.requests.push({ method: req.method ?? '', path, orderId, key, at });
    if (!orderId) {
      res.writeHead(400).end();
      return;
    }

    if (req.method === 'POST' && path === '/shipments') {
      let s = key ? this.shipmentsByKey.get(key) : undefined;
      if (!s) {
        s = { id: `shp-${this.shipments.length + 1}`, orderId, key, at };
        this.shipments.push(s);
        if (key) this.shipmentsByKey.set(key, s);
      }
      return this.#answer(res, `shipments:${orderId}`, 200, { shipmentId: s.id });
    }
    if (req.method === 'POST' && path === '/shipments/cancel') {
      let c = key ? this.#cancellationsByKey.get(key) : undefined;
      if (!c) {
        c = { id: String(body.shipmentId), orderId, key, at };
        this.cancellations.push(c);
        if (key) this.#cancellationsByKey.set(key, c);
      }
      return this.#answer(res, '-', 200, { cancelled: c.id });
    }
    if (req.method === 'POST' && path === '/invoices') {
      const inv = { id: `inv-${this.invoices.length + 1}`, orderId, key, at };
      this.invoices.push(inv);
      return this.#answer(res, `invoices:${orderId}`, 201, { invoiceId: inv.id });
    }
    if (req.method === 'GET' && path === '/invoices') {
      const found = this.invoices.find((i) => i.orderId === orderId);
      return this.#answer(res, '-', found ? 200 : 404, found ? { invoiceId: found.id } : { error: 'not found' });
    }
    if (req.method === 'POST' && path === '/charges') {
      const ch = { id: `ch-${this.charges.length + 1}`, orderId, key, at };
      this.charges.push(ch);
      return this.#answer(res, `charges:${orderId}`, 201, { chargeId: ch.id });
    }
    res.writeHead(404).end();
  }
}
