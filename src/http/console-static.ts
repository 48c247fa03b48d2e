/**
 * @module http/console-static
 * Serves the operator console: `console/` of the package (hand-written ES modules, CSS and one
 * HTML page; nothing to build) at `/` and `/console/*`, and the typed API client the console
 * calls through at `/console/client/*` (http/console-client.ts). The files hold no data: everything
 * the console shows comes from the API, with the caller's session. Responses carry a strict
 * Content-Security-Policy (scripts, styles and fetches from this origin only; no inline
 * script or style; no framing).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type Response } from 'express';
import { CLIENT_MODULES, consoleClientModules, type ClientModule } from './console-client.js';

/** The console's Content-Security-Policy. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * The folder of the console's files: `console/` beside `src/` (run from source) or beside
 * `dist/` (the installed package).
 *
 * @example
 * ```ts
 * consoleDirectory(); // '/app/node_modules/waymark/console'
 * ```
 */
export function consoleDirectory(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [path.resolve(here, '../../console'), path.resolve(here, '../../../console')].find((d) => existsSync(path.join(d, 'index.html')));
}

function secure(res: Response): void {
  res.setHeader('content-security-policy', CONSOLE_CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  // Small files that change with each release: revalidate rather than serve a stale console.
  res.setHeader('cache-control', 'no-cache');
}

/**
 * Routes for the console's page and files (no authentication: they are the same for everyone
 * and hold no data).
 *
 * @example
 * ```ts
 * app.use(consoleFiles());
 * ```
 */
export function consoleFiles(dir: string | undefined = consoleDirectory(), client = consoleClientModules()): Router {
  const r = Router();
  if (!dir) return r;
  r.get('/', (_req, res) => {
    secure(res);
    res.sendFile(path.join(dir, 'index.html'));
  });
  r.get('/console/client/:module', async (req, res, next) => {
    const name = req.params.module;
    if (!(CLIENT_MODULES as readonly string[]).includes(name)) return next();
    try {
      const code = await client.load(name as ClientModule);
      secure(res);
      res.type('text/javascript; charset=utf-8').send(code);
    } catch (e) {
      next(e);
    }
  });
  r.use('/console', express.static(dir, { index: false, redirect: false, dotfiles: 'ignore', fallthrough: true, setHeaders: secure }));
  return r;
}
