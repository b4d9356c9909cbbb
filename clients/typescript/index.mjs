// @ts-check
/**
 * A typed client for the Jackbox Game Picker API: openapi-fetch over the types that
 * `npm run client:generate` writes from docs/openapi.json into schema.d.ts. Plain JavaScript
 * with JSDoc types, so it runs under `node` as it is and TypeScript (or an editor) checks calls
 * against the document: a wrong path, a missing field or a misspelt parameter is a type error.
 *
 *   const jackbox = createApiClient({ baseUrl: 'http://localhost:5000' });
 *   await jackbox.login(process.env.ADMIN_KEY);
 *   const { data, error } = await jackbox.api.GET('/api/sessions/active');
 */
import createClient from 'openapi-fetch';

/** @typedef {import('./schema.js').paths} paths */
/** @typedef {import('./schema.js').components['schemas']} schemas */
/** @typedef {import('openapi-fetch').Client<paths>} Api */

/** A non-2xx answer: its status and the server's `{"error": "..."}` message. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   * @param {Response} response
   */
  constructor(status, message, response) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.response = response;
  }

  /**
   * The seconds a 429 or 503 asks to wait (its `Retry-After` header), if it says.
   * @returns {number | undefined}
   */
  get retryAfterSeconds() {
    const value = Number(this.response.headers.get('retry-after'));
    return Number.isFinite(value) && value > 0 ? value : undefined;
  }
}

/**
 * The `data` of an openapi-fetch result, or an ApiError carrying the server's message.
 * @template T
 * @param {{ data?: T, error?: unknown, response: Response }} result
 * @returns {T}
 */
export function unwrap({ data, error, response }) {
  if (response.ok && data !== undefined) return data;
  const message =
    typeof error === 'object' && error !== null && 'error' in error
      ? String(error.error)
      : `${response.status} ${response.statusText}`;
  throw new ApiError(response.status, message, response);
}

/**
 * @param {{ baseUrl: string, token?: string }} options
 *   `baseUrl` is the server's address without `/api` (`http://localhost:5000`); `token` a JWT
 *   obtained earlier, if the caller has one.
 */
export function createApiClient({ baseUrl, token }) {
  let current = token;
  /** @type {Api} */
  const api = createClient({ baseUrl: baseUrl.replace(/\/+$/, '') });
  // Every request carries the token of the moment, so a login later applies to all calls.
  api.use({
    onRequest({ request }) {
      if (current) request.headers.set('authorization', `Bearer ${current}`);
      return request;
    },
  });
  return {
    api,
    /** The token requests carry now (undefined before a login). */
    get token() {
      return current;
    },
    /** @param {string | undefined} value */
    setToken(value) {
      current = value;
    },
    /**
     * Exchanges an admin key for a token, which every later request carries.
     * @param {string} apiKey
     */
    async login(apiKey) {
      const session = unwrap(await api.POST('/api/auth/login', { body: { apiKey } }));
      current = session.token;
      return session;
    },
  };
}

/** @typedef {ReturnType<typeof createApiClient>} ApiClient */
