/**
 * @module runtime/installation-secret
 * Settles the installation secret of a database at start-up: WAYMARK_SECRET_KEY when set
 * (checked against what the database's first worker used), else the one generated once and
 * kept in `waymark.installation`. The secrets this process knows of are registered for
 * scrubbing (`redact.ts`) here too.
 */
import type { WaymarkConfig } from '../config.js';
import { WaymarkError } from '../errors.js';
import { InstallationKeys, generateInstallationSecret } from '../installation-keys.js';
import { registerSecret, registerSecretUrl } from '../redact.js';
import { SYSTEM_SCOPE } from '../scope.js';
import type { Database } from '../store/gateway.js';
import { ensureInstallation } from '../store/installation.js';

/**
 * The keys of this database's installation.
 *
 * @example
 * ```ts
 * const keys = await loadInstallationKeys(db, config);
 * ```
 */
export async function loadInstallationKeys(db: Database, config: WaymarkConfig): Promise<InstallationKeys> {
  registerConfigSecrets(config);
  const configured = config.secretKey;
  const secret = configured ?? generateInstallationSecret();
  const candidate = new InstallationKeys(secret);
  const row = await db.tx(SYSTEM_SCOPE, (q) => ensureInstallation(q, { secret: configured ? null : secret, keyCheck: candidate.keyCheck() }));
  if (configured) {
    if (row.key_check !== candidate.keyCheck()) {
      throw new WaymarkError(
        'secret_key_mismatch',
        "WAYMARK_SECRET_KEY is not the key this database's workers use: tool-call keys would differ and exactly-once calls break. Use the same key everywhere.",
      );
    }
    registerSecret(configured);
    return candidate;
  }
  if (row.secret === null) {
    throw new WaymarkError('secret_key_required', 'This database was set up with WAYMARK_SECRET_KEY; start every worker with the same key.');
  }
  registerSecret(row.secret);
  return row.secret === secret ? candidate : new InstallationKeys(row.secret);
}

/** Secrets in the configuration: scrubbed wherever they might surface in an error or a log. */
function registerConfigSecrets(config: WaymarkConfig): void {
  for (const s of Object.values(config.webhookSecrets)) registerSecret(s);
  registerSecretUrl(config.notify.webhookUrl);
  registerSecretUrl(config.notify.smtpUrl);
}
