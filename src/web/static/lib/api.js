/**
 * The page talks to nothing but the review API (the same handler locally and
 * on AWS). The base URL is the page's own origin unless the
 * `triage-api-base` meta tag names another; with sign-in, the session's token
 * (lib/session.js) is sent as a Bearer token, refreshed once when the API
 * refuses it.
 */
import { token } from './session.js';

const base = (document.querySelector('meta[name="triage-api-base"]')?.getAttribute('content') ?? '').replace(/\/$/, '');

export class ApiError extends Error {
  /**
   * @param {number} status the HTTP status (0: the server could not be reached)
   * @param {string} code the API's `error`
   * @param {string} message the API's `message`, one a person can act on
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/**
 * @typedef {object} ApiOptions
 * @property {'GET' | 'PUT' | 'POST' | 'DELETE'} [method]
 * @property {Record<string, string | number | boolean | null | undefined>} [query] empty values are left out
 * @property {unknown} [body] sent as JSON
 * @property {AbortSignal} [signal]
 */

/**
 * `api('/api/stats')`, `api('/api/predictions', { query: { limit: 50 } })`, `api(path, { method: 'PUT', body })`.
 * `T` is what the route answers with (the types in `api-types.js`); it is the caller's word, not checked.
 * @template [T=unknown]
 * @param {string} path
 * @param {ApiOptions} [options]
 * @returns {Promise<T>}
 */
export async function api(path, { method = 'GET', query, body, signal } = {}) {
  const url = new URL(`${base}${path}`, window.location.href);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
  }
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  /** @param {string | null} bearer */
  const send = async (bearer) => {
    try {
      return await fetch(url, {
        method,
        headers: bearer ? { ...headers, authorization: `Bearer ${bearer}` } : headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        ...(signal && { signal }),
      });
    } catch (error) {
      if (/** @type {Error | undefined} */ (error)?.name === 'AbortError') throw error;
      throw new ApiError(0, 'NetworkError', 'the server cannot be reached; is `npm start` still running?');
    }
  };
  const bearer = await token();
  let response = await send(bearer);
  // A token the API refused (expired meanwhile, or revoked): once more with a refreshed one, else sign in again.
  if (response.status === 401 && bearer) response = await send(await token({ force: true }));
  const data = await response.json().catch(() => null);
  if (!response.ok)
    throw new ApiError(
      response.status,
      data?.error ?? 'Error',
      data?.message ?? `${response.status} ${response.statusText}`,
    );
  return data;
}

/** The reviewer's name, sent as `by` (on AWS the API takes it from the token instead). */
export const reviewer = {
  get: () => window.localStorage?.getItem('triage.reviewer') ?? '',
  /** @param {string} name */
  set: (name) => window.localStorage?.setItem('triage.reviewer', name.trim()),
};
