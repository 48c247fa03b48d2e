/**
 * @module http/serve
 * Listening: plain HTTP on loopback; beyond loopback only over TLS (`WAYMARK_TLS_CERT`/`KEY`)
 * or behind a TLS-terminating proxy the operator vouches for (`WAYMARK_BEHIND_PROXY=1`), and
 * only for the host names the operator allowed. An API that would answer anyone on the network
 * in clear text refuses to start instead.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { WaymarkConfig } from '../config.js';
import { WaymarkError, ensureError } from '../errors.js';
import { answerClientError, refuseConnect } from './request-errors.js';

const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '::0']);

/**
 * Whether `host` (a `HOST` value) listens on loopback only.
 *
 * @example
 * ```ts
 * isLoopbackHost('127.0.0.1'); // true
 * isLoopbackHost('0.0.0.0'); // false
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Throws `insecure_listen` when the configuration would serve the API beyond loopback without
 * TLS or a proxy, or without an allow-list of the names clients use to reach it.
 *
 * @example
 * ```ts
 * assertSafeListen(config); // before starting anything
 * ```
 */
export function assertSafeListen(config: Pick<WaymarkConfig, 'host' | 'tls' | 'behindProxy' | 'allowedHosts'>): void {
  if (isLoopbackHost(config.host)) return;
  if (!config.tls && !config.behindProxy) {
    throw new WaymarkError(
      'insecure_listen',
      `HOST=${config.host} serves the API beyond this machine: set WAYMARK_TLS_CERT and WAYMARK_TLS_KEY to serve HTTPS, ` +
        'or WAYMARK_BEHIND_PROXY=1 if a TLS-terminating proxy is in front (or listen on 127.0.0.1)',
    );
  }
  if (WILDCARD.has(config.host) && config.allowedHosts.length === 0) {
    throw new WaymarkError(
      'insecure_listen',
      `HOST=${config.host} listens on every interface: set WAYMARK_ALLOWED_HOSTS to the host names clients use to reach the API`,
    );
  }
}

/**
 * The host names to accept in `Host`: the configured ones, plus the listening address when it
 * is a specific one (a LAN address clients use as is).
 *
 * @example
 * ```ts
 * createApp({ ...deps, allowedHosts: allowedHostsFor(config) });
 * ```
 */
export function allowedHostsFor(config: Pick<WaymarkConfig, 'host' | 'allowedHosts'>): string[] {
  const own = isLoopbackHost(config.host) || WILDCARD.has(config.host) ? [] : [config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host];
  return [...config.allowedHosts, ...own.map((h) => h.toLowerCase())];
}

/** A listening API server. */
export interface HttpServer {
  readonly server: http.Server;
  /** Where it listens, `http://` or `https://`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `app` on `config.host:config.port`, over HTTPS when TLS files are configured.
 *
 * @example
 * ```ts
 * const { url, close } = await serveHttp(app, config);
 * ```
 */
export async function serveHttp(app: Express, config: Pick<WaymarkConfig, 'host' | 'port' | 'tls'>): Promise<HttpServer> {
  // A request without Host reaches the Host allow-list, which answers it with a problem document.
  const options = { requireHostHeader: false };
  const server = config.tls ? https.createServer({ ...options, ...readTls(config.tls) }, app) : http.createServer(options, app);
  server.on('clientError', answerClientError);
  server.on('connect', refuseConnect);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE'
          ? new WaymarkError('http_port_in_use', `Port ${config.port} on ${config.host} is already in use; set PORT to a free port`, { cause: e })
          : e,
      );
    });
    server.listen(config.port, config.host);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
  return {
    server,
    url: `${config.tls ? 'https' : 'http'}://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readTls(tls: NonNullable<WaymarkConfig['tls']>): { cert: Buffer; key: Buffer } {
  try {
    return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
  } catch (e) {
    throw new WaymarkError('invalid_configuration', `Cannot read WAYMARK_TLS_CERT/WAYMARK_TLS_KEY: ${ensureError(e).message}`, { cause: e });
  }
}
