// @ts-check
/**
 * The console's one way to reach the API: the typed client `waymark/client`, generated from the
 * same OpenAPI document as the CLI's, served by the Waymark server at /console/client/. It runs
 * without an API key: the browser sends the session cookie (same origin only), and every
 * state-changing request carries the session's CSRF token. A problem answer rejects with the
 * client's WaymarkApiError (`status`, `code`, `problem`), which the pages know as ApiError;
 * a 401 outside sign-in sends the operator back to the sign-in page.
 */
import { WaymarkClient, WaymarkApiError } from './client/waymark-client.js';

/**
 * @typedef {import('./client/waymark-client.js').OperationId} OperationId
 */
/**
 * What an operation answers, by its id: `@type {OperationResult<'getRun'>}`.
 * @template {OperationId} O
 * @typedef {import('./client/waymark-client.js').OperationResult<O>} OperationResult
 */
/**
 * What a call of an operation takes, by its id: `@type {OperationArgs<'listRuns'>['query']}`.
 * @template {OperationId} O
 * @typedef {import('./client/waymark-client.js').OperationArgs<O>} OperationArgs
 */
/**
 * One schema of the API by name: `@type {Schema<'Run'>}`.
 * @template {keyof import('./client/api-types.js').components['schemas']} N
 * @typedef {import('./client/api-types.js').components['schemas'][N]} Schema
 */

let csrfToken = '';
/** @type {() => void} */
let onSignedOut = () => {};

/** An answer of the API that is not 2xx: its `status`, stable `code` and `problem` document. */
export const ApiError = WaymarkApiError;

/** @param {string} token */
export function useCsrfToken(token) {
  csrfToken = token;
}

/** @param {() => void} fn called when the API says the session has ended (401) */
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

/**
 * The browser's fetch, same origin only (cookies included), never cached, never redirected;
 * a 401 other than the session's own means the session has ended.
 * @type {typeof fetch}
 */
async function sessionFetch(input, init) {
  const res = await fetch(input, { ...init, credentials: 'same-origin', cache: 'no-store', redirect: 'error' });
  if (res.status === 401 && !String(input).startsWith('/console/session')) onSignedOut();
  return res;
}

/** The API, as the signed-in operator. */
export const client = new WaymarkClient({ baseUrl: '', fetch: sessionFetch, csrfToken: () => csrfToken || undefined });
