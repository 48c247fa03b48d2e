/**
 * @module store/installation
 * The one-row `waymark.installation` table: the per-installation secret (or, when it comes
 * from WAYMARK_SECRET_KEY, only a check value of it).
 */
import type { Queryable } from './gateway.js';

/** The installation row. */
export interface InstallationRow {
  /** Null when the secret is given to every worker in WAYMARK_SECRET_KEY. */
  secret: string | null;
  key_check: string;
}

/**
 * Creates the row unless it exists and returns the row that is there. Safe to race: the first
 * insert wins and the others read it.
 *
 * @example
 * ```ts
 * const row = await ensureInstallation(q, { secret: generated, keyCheck: new InstallationKeys(generated).keyCheck() });
 * ```
 */
export async function ensureInstallation(db: Queryable, candidate: { secret: string | null; keyCheck: string }): Promise<InstallationRow> {
  await db.query('INSERT INTO waymark.installation (secret, key_check) VALUES ($1, $2) ON CONFLICT (singleton) DO NOTHING', [candidate.secret, candidate.keyCheck]);
  const { rows } = await db.query<InstallationRow>('SELECT secret, key_check FROM waymark.installation');
  return rows[0]!;
}
