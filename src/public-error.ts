/**
 * @module public-error
 * Errors as they may be shown: to API clients, in dead letters, in a run's timeline, in the
 * tool-call ledger. A name, a stable code, a message, and for a database error its SQLSTATE
 * and condition name; never a stack, a file path, SQL text, a constraint or row data. A
 * Postgres error's message and detail name tables, constraints and values (and knex puts the
 * SQL in front), so they are replaced by the condition name; the server's log keeps them.
 */

/** An error fit to serve. */
export interface PublicError {
  name: string;
  message: string;
  /** A Waymark error code (or a tool's own); `database_error` for Postgres errors. */
  code?: string;
  /** The SQLSTATE of a database error, e.g. `23505`. */
  sqlState?: string;
  /** Whether a tool call's failure was worth retrying (the ledger's errors). */
  retryable?: boolean;
  /** How long the tool asked to wait before the next attempt. */
  retryAfterMs?: number;
}

/** Condition names of the SQLSTATEs business code meets most; others are named by class. */
const CONDITIONS: Record<string, string> = {
  '23000': 'integrity_constraint_violation', '23001': 'restrict_violation', '23502': 'not_null_violation',
  '23503': 'foreign_key_violation', '23505': 'unique_violation', '23514': 'check_violation', '23P01': 'exclusion_violation',
  '22001': 'string_data_right_truncation', '22003': 'numeric_value_out_of_range', '22007': 'invalid_datetime_format',
  '22008': 'datetime_field_overflow', '22012': 'division_by_zero', '22021': 'character_not_in_repertoire',
  '22P02': 'invalid_text_representation', '25P02': 'in_failed_sql_transaction', '40001': 'serialization_failure',
  '40P01': 'deadlock_detected', '42501': 'insufficient_privilege', '42601': 'syntax_error', '42703': 'undefined_column',
  '42883': 'undefined_function', '42P01': 'undefined_table', '53300': 'too_many_connections', '55P03': 'lock_not_available',
  '57014': 'query_canceled', P0001: 'raise_exception',
};
const CLASSES: Record<string, string> = {
  '08': 'connection_exception', '22': 'data_exception', '23': 'integrity_constraint_violation', '25': 'invalid_transaction_state',
  '28': 'invalid_authorization_specification', '40': 'transaction_rollback', '42': 'syntax_error_or_access_rule_violation',
  '53': 'insufficient_resources', '54': 'program_limit_exceeded', '55': 'object_not_in_prerequisite_state',
  '57': 'operator_intervention', '58': 'system_error', P0: 'plpgsql_error', XX: 'internal_error',
};

const SQLSTATE = /^[0-9A-Z]{5}$/;
// An absolute file path: two or more segments, not inside a URL or a longer word.
const FILE_PATH = /(?<![\w.:/@-])(?:file:\/\/)?\/(?:[\w.@+-]+\/)+[\w.@+-]*/g;
const MAX_MESSAGE = 2000;

/**
 * The Postgres condition name of a SQLSTATE.
 *
 * @example
 * ```ts
 * sqlCondition('23505'); // 'unique_violation'
 * ```
 */
export function sqlCondition(sqlState: string): string {
  return CONDITIONS[sqlState] ?? CLASSES[sqlState.slice(0, 2)] ?? 'database_error';
}

/**
 * The SQLSTATE of a Postgres error (as thrown by pg or knex, or as stored after serialisation),
 * else undefined.
 *
 * @example
 * ```ts
 * catch (e) { if (pgSqlState(e) === '23505') alreadyThere(); }
 * ```
 */
export function pgSqlState(e: unknown): string | undefined {
  if (e === null || typeof e !== 'object') return undefined;
  const o = e as { code?: unknown; severity?: unknown; routine?: unknown; file?: unknown };
  const looksPg = o.severity !== undefined || o.routine !== undefined || o.file !== undefined;
  return looksPg && typeof o.code === 'string' && SQLSTATE.test(o.code) ? o.code : undefined;
}

/**
 * Removes what a message must not show: absolute file paths; long messages are cut.
 *
 * @example
 * ```ts
 * scrubMessage("ENOENT: no such file or directory, open '/srv/app/x.json'"); // "... open '[path]'"
 * ```
 */
export function scrubMessage(message: string): string {
  const scrubbed = message.replace(FILE_PATH, '[path]');
  return scrubbed.length > MAX_MESSAGE ? `${scrubbed.slice(0, MAX_MESSAGE)}…` : scrubbed;
}

/**
 * Any thrown or stored error (an `Error`, its serialised form, a string) as it may be served;
 * null for null or undefined.
 *
 * @example
 * ```ts
 * publicError(pgUniqueViolation); // { name: 'DatabaseError', code: 'database_error', sqlState: '23505', message: 'unique_violation' }
 * ```
 */
export function publicError(e: unknown): PublicError | null {
  if (e === null || e === undefined) return null;
  if (typeof e !== 'object') return { name: 'Error', message: scrubMessage(typeof e === 'string' ? e : safeJson(e)) };
  const sqlState = pgSqlState(e);
  if (sqlState !== undefined) return { name: 'DatabaseError', code: 'database_error', sqlState, message: sqlCondition(sqlState) };
  const o = e as { name?: unknown; message?: unknown; code?: unknown; details?: { sqlState?: unknown }; retryable?: unknown; retryAfterMs?: unknown };
  const out: PublicError = {
    name: typeof o.name === 'string' ? o.name : 'Error',
    message: scrubMessage(typeof o.message === 'string' ? o.message : safeJson(e)),
  };
  if (typeof o.code === 'string') out.code = o.code;
  if (typeof o.details?.sqlState === 'string' && SQLSTATE.test(o.details.sqlState)) out.sqlState = o.details.sqlState;
  if (typeof o.retryable === 'boolean') out.retryable = o.retryable;
  if (typeof o.retryAfterMs === 'number') out.retryAfterMs = o.retryAfterMs;
  return out;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'Error';
  } catch {
    return 'Error';
  }
}
