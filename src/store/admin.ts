/**
 * @module store/admin
 * Server-level SQL: creating the application database when it does not exist yet, and whether
 * the login role may act as the row-level-security role.
 */
import pg from 'pg';
import type { Queryable } from './gateway.js';

/**
 * Creates the database named in `url` when it does not exist yet (through the server's
 * `postgres` maintenance database). Safe to race: a concurrent creator wins quietly.
 *
 * @example
 * ```ts
 * await ensureDatabaseExists('postgresql://postgres@127.0.0.1:5432/my_app');
 * ```
 */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1)) || 'postgres';
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
    } catch (e) {
      // 42P04 duplicate_database, 23505: another process created it between our check and create.
      const code = (e as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw e;
    }
  } finally {
    await client.end();
  }
}

/**
 * Quotes an SQL identifier.
 *
 * @example
 * ```ts
 * quoteIdent('my"db'); // => "my""db"
 * ```
 */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The role the gateway's transactions run as, subject to row-level security (migration 011). */
export const APP_ROLE = 'waymark_app';

/**
 * Whether this connection's login role may switch to {@link APP_ROLE} (it exists and the login
 * role is a member, or a superuser).
 *
 * @example
 * ```ts
 * const db = new Database(pool, { statementTimeoutMs, role: (await canUseAppRole(pool)) ? APP_ROLE : undefined });
 * ```
 */
export async function canUseAppRole(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AND pg_has_role(current_user, (SELECT oid FROM pg_roles WHERE rolname = $1), 'MEMBER') AS ok`,
    [APP_ROLE],
  );
  return rows[0]?.ok === true;
}

/**
 * Sets the password of the role `url` connects as (the embedded server's superuser, when it
 * is rotated away from an old fixed password). Rejects when the connection is refused.
 *
 * @example
 * ```ts
 * await changeOwnPassword('postgresql://postgres:old@127.0.0.1:54329/postgres', 'n3w-Rand0m');
 * ```
 */
export async function changeOwnPassword(url: string, password: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // ALTER ROLE takes no bind parameters; quote the literal.
    await client.query(`ALTER ROLE CURRENT_USER WITH PASSWORD '${password.replace(/'/g, "''")}'`);
  } finally {
    await client.end();
  }
}
