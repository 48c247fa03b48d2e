/**
 * @module app/local-admin-key
 * The key of the two-command start: `waymark start` on a loopback address keeps one admin key
 * of tenant `default` in the data directory (mode 0600), creates it on the first start (or when
 * the stored one was revoked), and prints it on every start, so `npm install && npm start` is
 * still all a newcomer types.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_TENANT, createScope } from '../scope.js';
import type { Logger } from '../logger.js';
import type { ApiKeyService } from '../service/api-keys.js';

/** The file, in the data directory, that holds the local admin key. */
export const LOCAL_ADMIN_KEY_FILE = 'admin-key';

/**
 * True for a host name or address that only this machine can reach.
 *
 * @example
 * ```ts
 * isLoopback('127.0.0.1'); // true
 * isLoopback('0.0.0.0');   // false
 * ```
 */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The local admin key: the stored one while it still works, else a new one (stored 0600).
 *
 * @example
 * ```ts
 * const key = await ensureLocalAdminKey(waymark.keys, config.dataDir, log);
 * console.log(`authorization: Bearer ${key}`);
 * ```
 */
export async function ensureLocalAdminKey(keys: ApiKeyService, dataDir: string, log: Logger): Promise<string> {
  const file = path.join(dataDir, LOCAL_ADMIN_KEY_FILE);
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    const principal = await keys.authenticate(`Bearer ${stored}`);
    if (principal?.roles.includes('admin')) return stored;
  }
  const scope = createScope({ tenantId: DEFAULT_TENANT, actor: 'waymark-start', roles: ['admin'] }, log);
  const { key } = await keys.create(scope, { name: 'local-admin', roles: ['admin'] });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write
  return key;
}
