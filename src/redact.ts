/**
 * @module redact
 * Scrubs secrets out of text before it is stored or logged: error messages and stacks, log
 * lines, anything a provider echoes back. What it removes:
 *
 * - values this process knows are secret ({@link registerSecret}: secret workflow inputs of
 *   the runs it executes, webhook secrets, the installation secret, API keys);
 * - the path and query of URLs that carry a secret in them ({@link registerSecretUrl}: the
 *   notification webhook), wherever that URL appears;
 * - `Authorization`-style credentials (`Bearer …`, `Basic …`), `key=value` credentials
 *   (`token`, `api_key`, `password`, `secret`, …, also as JSON members), and well-known token
 *   shapes (JWTs, `sk-…`, `ghp_…`, `xox…-…`);
 * - URL user-info (`https://user:pass@host` becomes `https://[redacted]@host`).
 *
 * It is a safety net under the rule that secrets are not put into errors in the first place;
 * text it cannot recognise as secret (a provider's opaque token in an unlabelled sentence) gets
 * through, so tools should keep credentials out of their own error messages.
 */

/**
 * What a secret is stored and served as: a removed secret, a secret field of a tool call's
 * arguments or result, a secret workflow input or output.
 *
 * @example
 * ```ts
 * if (call.args.apiKey === REDACTED) console.log('kept out of the ledger');
 * ```
 */
export const REDACTED = '[redacted]';

/** Shorter values are not scrubbed by value: they would match ordinary words and numbers. */
const MIN_SECRET_LENGTH = 6;
/** Bound on remembered values: the secret inputs of runs a long-lived worker executed. */
const MAX_KNOWN = 10_000;

const known = new Set<string>();
let knownSorted: string[] | undefined;

/**
 * Remembers a secret value: from now on it is scrubbed from everything this process stores or
 * logs. Values shorter than 6 characters are ignored.
 *
 * @example
 * ```ts
 * registerSecret(process.env.PROVIDER_API_KEY);
 * ```
 */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || known.has(value)) return;
  if (known.size >= MAX_KNOWN) known.delete(known.values().next().value!);
  known.add(value);
  // JSON-escaped and URL-encoded spellings of the same value are scrubbed too.
  for (const variant of [JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]) {
    if (variant !== value && variant.length >= MIN_SECRET_LENGTH) known.add(variant);
  }
  knownSorted = undefined;
}

/**
 * Remembers a URL whose path or query is secret (a webhook URL with a token in its path): its
 * path and query, and its user-info password, are scrubbed wherever they appear.
 *
 * @example
 * ```ts
 * registerSecretUrl('https://hooks.example/services/T000/B000/XXXX');
 * scrubText('POST https://hooks.example/services/T000/B000/XXXX failed'); // 'POST https://hooks.example/[redacted] failed'
 * ```
 */
export function registerSecretUrl(url: string | undefined): void {
  if (!url) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return;
  }
  // Without the leading '/', so that what remains reads `https://host/[redacted]`.
  for (const part of [`${parsed.pathname}${parsed.search}`, parsed.pathname]) {
    if (part.length <= 1) continue;
    registerSecret(part.slice(1));
    registerSecret(safeDecode(part.slice(1)));
  }
  registerSecret(parsed.password && decodeURIComponent(parsed.password));
  registerSecret(parsed.username && decodeURIComponent(parsed.username));
}

/** Credentials after an auth scheme: `Bearer abc…`. */
const BEARER = /\b(bearer\s+)[A-Za-z0-9\-._~+/]{6,}=*/gi;
/** `Basic dXNl…`: base64, so (unlike a plain word after "basic") it has a digit, symbol or capital. */
const BASIC = /\b([Bb]asic\s+|BASIC\s+)(?=.[A-Za-z0-9+/]*[0-9+/=A-Z])[A-Za-z0-9+/]{6,}=*/g;
/** `name: value` / `name=value` / `"name":"value"` where the name says it is a credential. */
const LABELLED =
  /(["']?)((?:[a-z0-9_-]*[_-])?(?:authorization|api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|id[_-]?token|token|secret|client[_-]?secret|password|passwd|pwd|session[_-]?id|cookie|x-api-key|private[_-]?key)\1)(\s*[:=]\s*)("([^"\\]|\\.)*"|'[^']*'|[^\s"',;&)}\]]+)/gi;
/** Token shapes that are credentials whatever surrounds them. */
const TOKEN_SHAPES = [
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, // JWT
  /\b(?:sk|pk|rk)[-_](?:live|test|proj)?[-_]?[A-Za-z0-9_-]{8,}/g, // Stripe / OpenAI style
  /\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{16,}/g, // GitHub
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key id
];
/** `scheme://user:password@host`: the user-info goes. */
const USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@]+)@/gi;

/**
 * The text with every secret this module recognises replaced by `[redacted]`.
 *
 * @example
 * ```ts
 * scrubText('401: invalid token "Bearer sk-live-123abc"'); // '401: invalid token "Bearer [redacted]"'
 * ```
 */
export function scrubText(text: string, extra: readonly string[] = []): string {
  let out = text;
  knownSorted ??= [...known].sort((a, b) => b.length - a.length); // longest first: no partial leftovers
  for (const s of [...extra.filter((e) => e.length >= MIN_SECRET_LENGTH), ...knownSorted]) {
    if (out.includes(s)) out = out.split(s).join(REDACTED);
  }
  out = out.replace(USER_INFO, `$1${REDACTED}@`);
  out = out.replace(BEARER, `$1${REDACTED}`).replace(BASIC, `$1${REDACTED}`);
  out = out.replace(LABELLED, (m, q: string, name: string, sep: string, value: string) => {
    if (value === REDACTED || value === `"${REDACTED}"` || /^(bearer|basic|token|digest)$/i.test(value)) return m;
    const quote = value.startsWith('"') ? '"' : value.startsWith("'") ? "'" : '';
    return `${q}${name}${sep}${quote}${REDACTED}${quote}`;
  });
  for (const shape of TOKEN_SHAPES) out = out.replace(shape, REDACTED);
  return out;
}

/** Field names whose values are credentials, at any depth of a logged object. */
const SECRET_KEY = /^(authorization|proxy-authorization|cookie|set-cookie|password|passwd|secret|client_?secret|api[_-]?key|x-api-key|access_?token|refresh_?token|id_?token|token|private_?key|secret_?key)$/i;

/**
 * A copy of `value` with every string scrubbed ({@link scrubText}) and every field named like a
 * credential (`authorization`, `password`, `apiKey`, `token`, …) replaced, at any depth.
 * Errors become `{ type, message, stack, code }` with scrubbed text. Cycles are cut.
 *
 * @example
 * ```ts
 * scrubDeep({ req: { headers: { authorization: 'Bearer x' } } }); // { req: { headers: { authorization: '[redacted]' } } }
 * ```
 */
export function scrubDeep(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; details?: unknown };
    return {
      type: e.name,
      message: scrubText(e.message),
      ...(e.stack ? { stack: scrubText(e.stack) } : {}),
      ...(e.code !== undefined ? { code: e.code } : {}),
      ...(e.cause !== undefined ? { cause: scrubDeep(e.cause, seen) } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, seen));
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined ? REDACTED : scrubDeep(v, seen);
  return out;
}

/**
 * The same error with its message and stack (and its cause's) scrubbed in place, for errors
 * about to be stored (DBOS checkpoints, the ledger) or logged. Non-errors become an `Error`.
 * The object identity and class are kept, so `instanceof` checks and codes still work.
 *
 * @example
 * ```ts
 * throw scrubError(e); // DBOS serialises the scrubbed error into its checkpoint
 * ```
 */
export function scrubError<E>(e: E, extra: readonly string[] = []): E extends Error ? E : Error {
  if (!(e instanceof Error)) return new Error(scrubText(typeof e === 'string' ? e : safeJson(e), extra)) as E extends Error ? E : Error;
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 5; cur = cur.cause, depth++) {
    const msg = scrubText(cur.message, extra);
    if (msg !== cur.message) Object.defineProperty(cur, 'message', { value: msg, writable: true, configurable: true, enumerable: false });
    if (cur.stack) {
      const stack = scrubText(cur.stack, extra);
      if (stack !== cur.stack) Object.defineProperty(cur, 'stack', { value: stack, writable: true, configurable: true, enumerable: false });
    }
  }
  return e as E extends Error ? E : Error;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
