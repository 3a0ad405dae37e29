/** The two Welt APIs over fetch: bearer token, JSON in and out, problem+json errors as ApiProblem. */

import { config } from './config.js';
import { currentSession, signOut } from './auth.js';

const TITLES = {
  0: 'Network error',
  400: 'Malformed request',
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict with the current state',
  412: 'Changed meanwhile',
  422: 'Validation failed',
  428: 'Precondition required',
  502: 'Service unavailable',
  503: 'Service unavailable',
  504: 'Service unavailable',
};
// A passing outage on our side: the buyer is still signed in and nothing was changed.
const UNAVAILABLE = 'The service is unavailable right now. Nothing was changed; try again in a minute.';

/** An RFC 9457 problem: {type, title, status, detail, errors: [{loc, msg}]}. */
export class ApiProblem extends Error {
  constructor(status, body = {}) {
    const unavailable = status >= 502 && status <= 504;
    const title = unavailable ? TITLES[status] : body.title || TITLES[status] || `Request failed (${status})`;
    const detail = unavailable ? UNAVAILABLE : body.detail || '';
    super(detail || title);
    this.status = status;
    this.type = body.type || 'about:blank';
    this.title = title;
    this.detail = detail;
    this.errors = Array.isArray(body.errors) ? body.errors : [];
  }
}

/** A problem raised by the browser itself, in the same shape, so it is shown the same way. */
export function localProblem(title, errors, detail = '') {
  return new ApiProblem(422, { title, detail, errors });
}

export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const etags = new WeakMap();

/** The entity tag a resource was served with (what If-Match sends back), or one made from its version. */
export function etagOf(resource) {
  if (etags.has(resource)) return etags.get(resource);
  return resource && Number.isInteger(resource.version) ? `"${resource.version}"` : null;
}

function sessionEnded() {
  signOut();
  window.dispatchEvent(new CustomEvent('welt:session-ended'));
}

function filenameOf(disposition) {
  const match = /filename="?([^";]+)"?/i.exec(disposition || '');
  return match ? match[1] : null;
}

async function request(api, path, { method = 'GET', body, headers = {}, accept = 'application/json', signal } = {}) {
  const settings = await config();
  const base = settings[api];
  const session = currentSession();
  if (!session) {
    sessionEnded();
    throw new ApiProblem(401, { detail: 'Sign in to continue.' });
  }
  const sent = { Accept: accept, Authorization: `Bearer ${session.token}`, ...headers };
  if (body !== undefined) sent['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(base + path, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiProblem(0, { detail: 'The server could not be reached. Check your connection and try again.' });
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    if (response.status === 401) sessionEnded();
    throw new ApiProblem(response.status, problem);
  }
  if (accept !== 'application/json') {
    return { blob: await response.blob(), filename: filenameOf(response.headers.get('Content-Disposition')) };
  }
  if (response.status === 204) return null;
  const data = await response.json();
  const etag = response.headers.get('ETag');
  if (etag && data && typeof data === 'object') etags.set(data, etag);
  return data;
}

function client(api) {
  return {
    get: (path, options) => request(api, path, options),
    post: (path, body, options) => request(api, path, { ...options, method: 'POST', body: body ?? {} }),
    patch: (path, body, options) => request(api, path, { ...options, method: 'PATCH', body }),
    put: (path, body, options) => request(api, path, { ...options, method: 'PUT', body }),
    delete: (path, options) => request(api, path, { ...options, method: 'DELETE' }),
    download: (path, accept, options) => request(api, path, { ...options, accept }),
  };
}

export const ordersApi = client('orders_api');
export const paymentsApi = client('payments_api');

/** A query string from the filled-in values only. */
export function queryString(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
