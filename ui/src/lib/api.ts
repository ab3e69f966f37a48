// A small fetch wrapper for the SnackBase API.
//
// - Adds the bearer token of the current session.
// - On a 401 from an authenticated call, refreshes the tokens once: when many
//   requests fail together, exactly one POST /auth/refresh runs and the others
//   wait for it, then each retries once. A failed refresh ends the session.
// - An impersonation session has no refresh token: its 401 restores the saved
//   own session and the call fails (it is never retried as that session).
// - Parses the error envelope `{error, message, details}` into ApiError.
// - 204 (and any empty body) resolves to undefined.
// - A FormData body is sent as multipart/form-data; anything else as JSON.

import { sessionStore, type SessionStore } from './session';
import type { ErrorEnvelope, FieldErrorDetail, TokenPair } from './types';

export class ApiError extends Error {
  readonly status: number;
  readonly error: string;
  readonly details: FieldErrorDetail[];

  constructor(status: number, envelope: ErrorEnvelope) {
    super(envelope.message);
    this.name = 'ApiError';
    this.status = status;
    this.error = envelope.error;
    this.details = envelope.details ?? [];
  }
}

export type QueryValue = string | number | boolean | null | undefined;
export type Query = Record<string, QueryValue | QueryValue[]>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the session's token (default true). */
  auth?: boolean;
  signal?: AbortSignal;
}

type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  baseUrl?: string;
  store?: SessionStore;
  fetch?: FetchFn;
  /** Called once when a refresh fails and the session is dropped. */
  onLogout?: () => void;
  /** Called when an impersonation token stops working and the own session is restored. */
  onImpersonationEnd?: () => void;
}

function isEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.error === 'string' && typeof v.message === 'string';
}

/** Turns a non-2xx response into an ApiError, whatever its body. */
export async function parseError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  if (text) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isEnvelope(parsed)) {
        const details = Array.isArray(parsed.details) ? parsed.details : [];
        return new ApiError(res.status, { ...parsed, details });
      }
    } catch {
      // not JSON: fall through
    }
  }
  const message = res.statusText
    ? `${res.status} ${res.statusText}`
    : `Request failed with status ${res.status}`;
  return new ApiError(res.status, { error: 'http_error', message });
}

async function parseBody<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!text) return undefined as T;
  return JSON.parse(text) as T;
}

export interface DownloadedFile {
  blob: Blob;
  /** From `Content-Disposition`; null when the server names none. */
  filename: string | null;
}

/** The file name of a `Content-Disposition` header (`filename*=UTF-8''…` preferred), or null. */
export function filenameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)?'[^']*'([^;]+)/.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, '')) || null;
    } catch {
      // malformed escape: try the plain parameter
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/.exec(header);
  if (!plain) return null;
  const name = (plain[1] ?? plain[2] ?? '').replace(/\\(.)/g, '$1').trim();
  return name || null;
}

export function buildQuery(query?: Query): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v === undefined || v === null || v === '') continue;
      params.append(key, String(v));
    }
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = options.baseUrl ?? '/api/v1';
  const store = options.store ?? sessionStore;
  const doFetch: FetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  let refreshing: Promise<boolean> | null = null;

  async function send(method: string, path: string, opts: RequestOptions, token: string | null) {
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    let body: string | FormData | undefined;
    if (opts.body instanceof FormData) {
      // The browser writes multipart/form-data with its boundary.
      body = opts.body;
    } else if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await doFetch(`${baseUrl}${path}${buildQuery(opts.query)}`, {
        method,
        headers,
        body,
        signal: opts.signal,
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiError(0, {
        error: 'network_error',
        message: 'The server cannot be reached. Check your connection and try again.',
      });
    }
  }

  async function runRefresh(): Promise<boolean> {
    const session = store.get();
    if (!session) return false;
    if (session.impersonation) {
      // No refresh token: the impersonation is over; the own session comes back.
      store.endImpersonation();
      options.onImpersonationEnd?.();
      return false;
    }
    try {
      const res = await send(
        'POST',
        '/auth/refresh',
        { body: { refresh_token: session.refreshToken } },
        null,
      );
      if (!res.ok) throw await parseError(res);
      const pair = await parseBody<TokenPair>(res);
      store.setTokens(pair.token, pair.refresh_token);
      return true;
    } catch {
      store.clear();
      options.onLogout?.();
      return false;
    }
  }

  /** Starts a refresh, or joins the one already running. */
  function refreshOnce(): Promise<boolean> {
    if (!refreshing) {
      refreshing = runRefresh().finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  }

  /** Sends with the session's token, refreshing once on a 401; resolves to the 2xx response. */
  async function requestResponse(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const useAuth = opts.auth !== false;
    // Wait for a refresh in flight rather than sending a token about to be replaced.
    if (useAuth && refreshing) await refreshing;
    const sentToken = useAuth ? (store.get()?.token ?? null) : null;
    const impersonating = useAuth && !!store.get()?.impersonation;
    let res = await send(method, path, opts, sentToken);

    if (res.status === 401 && useAuth && sentToken && impersonating) {
      // Never retry as someone else: end the impersonation (once) and fail.
      if (store.get()?.token === sentToken) await refreshOnce();
    } else if (res.status === 401 && useAuth && sentToken) {
      const now = store.get()?.token ?? null;
      // Another request may already have refreshed since this one was sent.
      const ok = now && now !== sentToken ? true : await refreshOnce();
      const fresh = store.get()?.token ?? null;
      if (ok && fresh) {
        res = await send(method, path, opts, fresh);
      }
    }
    if (!res.ok) throw await parseError(res);
    return res;
  }

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    return parseBody<T>(await requestResponse(method, path, opts));
  }

  /** A GET whose body is a file: its bytes and the name the server suggests, if any. */
  async function download(path: string, opts: RequestOptions = {}): Promise<DownloadedFile> {
    const res = await requestResponse('GET', path, { ...opts, headers: { Accept: '*/*', ...opts.headers } });
    return { blob: await res.blob(), filename: filenameFromDisposition(res.headers.get('Content-Disposition')) };
  }

  return {
    request,
    get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, opts),
    post: <T>(path: string, body?: unknown, opts?: RequestOptions) =>
      request<T>('POST', path, { ...opts, body }),
    put: <T>(path: string, body?: unknown, opts?: RequestOptions) =>
      request<T>('PUT', path, { ...opts, body }),
    patch: <T>(path: string, body?: unknown, opts?: RequestOptions) =>
      request<T>('PATCH', path, { ...opts, body }),
    del: <T>(path: string, body?: unknown, opts?: RequestOptions) =>
      request<T>('DELETE', path, { ...opts, body }),
    download,
    /** Exposed for tests and for a manual "refresh now". */
    refresh: refreshOnce,
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

export const api = createApiClient();

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return 'Something went wrong';
}
