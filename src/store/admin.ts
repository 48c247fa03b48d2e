/**
 * @module store/admin
 * Server-level SQL: creating the application database when it does not exist yet.
 */
import pg from 'pg';

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
