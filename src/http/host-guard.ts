/**
 * @module http/host-guard
 * Refuses requests whose `Host` names a host this server does not answer to. A web page on
 * another site can make a browser reach a loopback API by rebinding its own DNS name to
 * 127.0.0.1 (DNS rebinding); the browser then sends that name as `Host`, so an allow-list of
 * names defeats it.
 */
import type { RequestHandler } from 'express';
import { sendProblem } from './problem.js';

/** Names a loopback server always answers to, any port. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The host name of a `Host` header (lower case, IPv6 in brackets, port dropped), or undefined
 * when the header is missing or malformed.
 *
 * @example
 * ```ts
 * hostName('LocalHost:3000'); // 'localhost'
 * hostName('[::1]:8080'); // '[::1]'
 * ```
 */
export function hostName(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(header.trim());
  return m ? m[1]!.toLowerCase() : undefined;
}

/**
 * Middleware that answers 421 `host_not_allowed` unless `Host` is a loopback name or one of
 * `allowed` (host names without ports; any port is accepted).
 *
 * @example
 * ```ts
 * app.use(hostGuard(['waymark.internal.example']));
 * ```
 */
export function hostGuard(allowed: readonly string[]): RequestHandler {
  const names = new Set([...LOOPBACK_HOSTS, ...allowed.map((h) => h.toLowerCase())]);
  return (req, res, next) => {
    const name = hostName(req.headers.host);
    if (name !== undefined && names.has(name)) {
      next();
      return;
    }
    // The refused name is not echoed: it is the attacker's, and nothing the caller needs.
    sendProblem(res, 421, 'host_not_allowed', 'This server does not answer to the host named in the Host header; see WAYMARK_ALLOWED_HOSTS');
  };
}
