/**
 * @module installation-keys
 * The keys Waymark derives from its per-installation secret (`WAYMARK_SECRET_KEY`, or one
 * generated once and kept in `waymark.installation`): an HMAC key for tool-call keys and
 * request hashes — so nobody with read access to the ledger can test guessed arguments
 * offline — and an AES-256-GCM key that seals the live values of secret workflow inputs.
 * Every worker of a database must hold the same secret: exactly-once tool calls depend on
 * all of them computing the same keys.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { canonicalHash } from './canonical-json.js';
import { WaymarkError } from './errors.js';

/** Sealed values start with their format version. */
const SEAL_VERSION = 'v1';

/**
 * A new random installation secret (256 bits, base64url).
 *
 * @example
 * ```ts
 * const secret = generateInstallationSecret(); // e.g. for WAYMARK_SECRET_KEY
 * ```
 */
export function generateInstallationSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The keys of one installation.
 *
 * @example
 * ```ts
 * const keys = new InstallationKeys(secret);
 * keys.hash({ to: 'a@b.c' }) === keys.hash({ to: 'a@b.c' }); // true, and unguessable without the secret
 * keys.open(keys.seal('sk-live-1', 'run-1'), 'run-1'); // 'sk-live-1'
 * ```
 */
export class InstallationKeys {
  readonly #hashKey: Buffer;
  readonly #sealKey: Buffer;
  readonly #checkKey: Buffer;

  constructor(secret: string) {
    const derive = (purpose: string): Buffer => Buffer.from(hkdfSync('sha256', secret, 'waymark', purpose, 32));
    this.#hashKey = derive('tool-call keys and request hashes');
    this.#sealKey = derive('secret workflow inputs');
    this.#checkKey = derive('key check');
  }

  /** HMAC-SHA256 (hex) of the canonical JSON of `value`: key order and whitespace do not matter. */
  hash(value: unknown): string {
    return canonicalHash(value, this.#hashKey);
  }

  /** What `waymark.installation.key_check` holds: tells two secrets apart without revealing either. */
  keyCheck(): string {
    return createHmac('sha256', this.#checkKey).update('waymark installation key check').digest('hex');
  }

  /** Encrypts `plaintext`, bound to `context` (a run id): it opens only with the same context. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#sealKey, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [SEAL_VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Decrypts what {@link seal} made; throws `secret_unreadable` for another key or context. */
  open(sealed: string, context: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    try {
      if (version !== SEAL_VERSION || iv === undefined || tag === undefined || body === undefined) throw new Error('unknown format');
      const decipher = createDecipheriv('aes-256-gcm', this.#sealKey, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch (e) {
      throw new WaymarkError('secret_unreadable', `A sealed secret of ${context} cannot be opened with this installation's key (was WAYMARK_SECRET_KEY changed?)`, { cause: e });
    }
  }
}
