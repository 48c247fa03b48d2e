/**
 * @module local-http
 * The plumbing the tests' fake providers share: an HTTP server on 127.0.0.1 that hands each
 * request's whole body to a handler, and a stop that also cuts requests left hanging on purpose.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A started local server and its base URL. */
export interface LocalServer {
  server: http.Server;
  url: string;
}

/** Starts a server on a free loopback port; `handle` gets each request with its body read. */
export async function listenLocal(handle: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void): Promise<LocalServer> {
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => handle(req, res, raw));
  });
  // Answers may be delayed and callers die mid-request: do not let the server drop idle sockets early.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Stops `server`, destroying the responses it was holding back and any open connection. */
export async function closeLocal(server: http.Server | undefined, hanging: readonly http.ServerResponse[]): Promise<void> {
  for (const r of hanging) r.destroy();
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
}
