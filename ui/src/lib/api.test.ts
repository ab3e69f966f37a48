import { describe, expect, it, vi } from 'vitest';
import { ApiError, buildQuery, createApiClient, filenameFromDisposition, parseError } from './api';
import { SessionStore, SESSION_KEY, type KeyValueStorage } from './session';

function memory(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

function loggedIn(token = 'old', refreshToken = 'r1') {
  const storage = memory();
  const store = new SessionStore(storage);
  store.set({
    token,
    refreshToken,
    account: { id: 'SY0000', slug: 'system', name: 'System', created_at: '' },
    user: { id: 'u', email: 'root@example.com', role: 'admin', is_active: true, created_at: '' },
  });
  return { store, storage };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

const unauthorized = () => json(401, { error: 'unauthorized', message: 'Token expired' });

interface Call {
  url: string;
  method: string;
  auth: string | null;
  body: string | null;
}

/** A fake server: `/auth/refresh` answers after a delay; other routes accept only `new`. */
function fakeServer(opts: { refreshOk: boolean; refreshDelayMs?: number }) {
  const calls: Call[] = [];
  const fetchFn = vi.fn(async (url: string, init: RequestInit) => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    const call: Call = {
      url,
      method: init.method ?? 'GET',
      auth: headers.Authorization ?? null,
      body: typeof init.body === 'string' ? init.body : null,
    };
    calls.push(call);
    if (url.endsWith('/auth/refresh')) {
      await new Promise((r) => setTimeout(r, opts.refreshDelayMs ?? 20));
      return opts.refreshOk
        ? json(200, { token: 'new', refresh_token: 'r2', expires_in: 3600 })
        : json(401, { error: 'unauthorized', message: 'Refresh token revoked' });
    }
    if (call.auth !== 'Bearer new') return unauthorized();
    if (call.method === 'DELETE') return new Response(null, { status: 204 });
    return json(200, { ok: url });
  });
  return { calls, fetchFn };
}

describe('fetch wrapper: token refresh', () => {
  it('runs exactly one refresh for many concurrent 401s, then retries each once', async () => {
    const { store, storage } = loggedIn();
    const server = fakeServer({ refreshOk: true });
    const client = createApiClient({ store, fetch: server.fetchFn, baseUrl: '/api/v1' });

    const results = await Promise.all(
      ['/a', '/b', '/c', '/d', '/e'].map((p) => client.get<{ ok: string }>(p)),
    );

    expect(results.map((r) => r.ok)).toEqual([
      '/api/v1/a',
      '/api/v1/b',
      '/api/v1/c',
      '/api/v1/d',
      '/api/v1/e',
    ]);
    const refreshes = server.calls.filter((c) => c.url.endsWith('/auth/refresh'));
    expect(refreshes).toHaveLength(1);
    expect(JSON.parse(refreshes[0].body ?? '{}')).toEqual({ refresh_token: 'r1' });
    expect(refreshes[0].auth).toBeNull();
    // 5 first tries + 1 refresh + 5 retries
    expect(server.calls).toHaveLength(11);
    expect(store.get()?.token).toBe('new');
    expect(store.get()?.refreshToken).toBe('r2');
    expect(JSON.parse(storage.data.get(SESSION_KEY) ?? '{}').token).toBe('new');
  });

  it('a request failing after the refresh finished retries without refreshing again', async () => {
    const { store } = loggedIn();
    const server = fakeServer({ refreshOk: true });
    const client = createApiClient({ store, fetch: server.fetchFn });
    await client.get('/first');
    // Simulate a slow request that was sent with the old token.
    const slow = vi.fn(async (url: string, init: RequestInit) => {
      const headers = (init.headers ?? {}) as Record<string, string>;
      if (headers.Authorization === 'Bearer new') return json(200, { ok: url });
      return unauthorized();
    });
    const client2 = createApiClient({ store, fetch: slow });
    store.setTokens('old', 'r2');
    const pending = client2.get('/slow');
    store.setTokens('new', 'r3');
    await expect(pending).resolves.toEqual({ ok: '/api/v1/slow' });
    expect(slow.mock.calls.some(([u]) => String(u).endsWith('/auth/refresh'))).toBe(false);
  });

  it('logs out once when the refresh fails, and every waiting request fails with 401', async () => {
    const { store, storage } = loggedIn();
    const server = fakeServer({ refreshOk: false });
    const onLogout = vi.fn();
    const client = createApiClient({ store, fetch: server.fetchFn, onLogout });

    const outcomes = await Promise.allSettled([client.get('/a'), client.get('/b'), client.get('/c')]);

    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      if (o.status === 'rejected') {
        expect(o.reason).toBeInstanceOf(ApiError);
        expect((o.reason as ApiError).status).toBe(401);
      }
    }
    expect(server.calls.filter((c) => c.url.endsWith('/auth/refresh'))).toHaveLength(1);
    expect(onLogout).toHaveBeenCalledTimes(1);
    expect(store.get()).toBeNull();
    expect(storage.data.has(SESSION_KEY)).toBe(false);
  });

  it('does not refresh for unauthenticated calls such as a failed login', async () => {
    const { store } = loggedIn();
    const fetchFn = vi.fn(async () => json(401, { error: 'unauthorized', message: 'Invalid credentials' }));
    const client = createApiClient({ store, fetch: fetchFn });
    await expect(client.post('/auth/login', { account: 'x' }, { auth: false })).rejects.toMatchObject({
      status: 401,
      message: 'Invalid credentials',
    });
    expect(fetchFn).toHaveBeenCalledTimes(1);
    expect(store.get()?.token).toBe('old');
  });

  it('retries only once: a second 401 after a good refresh is returned as an error', async () => {
    const { store } = loggedIn();
    let n = 0;
    const fetchFn = vi.fn(async (url: string) => {
      if (url.endsWith('/auth/refresh')) {
        n += 1;
        return json(200, { token: `t${n}`, refresh_token: `r${n}`, expires_in: 60 });
      }
      return unauthorized();
    });
    const client = createApiClient({ store, fetch: fetchFn });
    await expect(client.get('/x')).rejects.toMatchObject({ status: 401 });
    expect(fetchFn).toHaveBeenCalledTimes(3);
  });
});

describe('fetch wrapper: bodies and errors', () => {
  it('resolves a 204 to undefined', async () => {
    const { store } = loggedIn('new');
    const server = fakeServer({ refreshOk: true });
    const client = createApiClient({ store, fetch: server.fetchFn });
    await expect(client.del('/records/posts/1')).resolves.toBeUndefined();
  });

  it('sends JSON with a content type and the bearer token', async () => {
    const { store } = loggedIn('new');
    const server = fakeServer({ refreshOk: true });
    const client = createApiClient({ store, fetch: server.fetchFn });
    await client.post('/things', { a: 1 }, { headers: { 'X-Account-ID': 'AA0001' } });
    const init = server.fetchFn.mock.calls[0][1];
    expect(init.body).toBe('{"a":1}');
    expect(init.headers).toMatchObject({
      'Content-Type': 'application/json',
      Authorization: 'Bearer new',
      'X-Account-ID': 'AA0001',
    });
  });

  it('sends a FormData body as it is, leaving its content type to the browser; the same form on a retry', async () => {
    const { store } = loggedIn('old');
    const server = fakeServer({ refreshOk: true });
    const client = createApiClient({ store, fetch: server.fetchFn });
    const form = new FormData();
    form.append('cover', new File(['x'], 'a.png', { type: 'image/png' }));
    await client.post('/records/posts', form);
    const sent = server.fetchFn.mock.calls.filter(([url]) => url.endsWith('/records/posts'));
    expect(sent).toHaveLength(2);
    for (const [, init] of sent) {
      expect(init.body).toBe(form);
      expect(init.headers).not.toHaveProperty('Content-Type');
    }
  });

  it('parses the error envelope with its details', async () => {
    const res = json(422, {
      error: 'validation_error',
      message: 'Password must be at least 12 characters',
      details: [{ field: 'password', code: 'password_too_short', message: 'Password must be at least 12 characters' }],
    });
    const err = await parseError(res);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.error).toBe('validation_error');
    expect(err.message).toBe('Password must be at least 12 characters');
    expect(err.details).toEqual([
      { field: 'password', code: 'password_too_short', message: 'Password must be at least 12 characters' },
    ]);
  });

  it('copes with an envelope without details and with a non-JSON body', async () => {
    const a = await parseError(json(404, { error: 'not_found', message: 'Account not found' }));
    expect(a.details).toEqual([]);
    expect(a.message).toBe('Account not found');
    const b = await parseError(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(b.status).toBe(502);
    expect(b.error).toBe('http_error');
    expect(b.message).toBe('502 Bad Gateway');
  });

  it('turns a network failure into an ApiError with status 0', async () => {
    const { store } = loggedIn('new');
    const client = createApiClient({
      store,
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await expect(client.get('/x')).rejects.toMatchObject({ status: 0, error: 'network_error' });
  });

  it('builds query strings, skipping empty values and repeating arrays', () => {
    expect(buildQuery({ a: 1, b: '', c: undefined, d: null, e: true, f: ['x', 'y'] })).toBe(
      '?a=1&e=true&f=x&f=y',
    );
    expect(buildQuery({})).toBe('');
  });
});

describe('fetch wrapper: file downloads', () => {
  it('downloads with the bearer token, refreshing once on a 401, and names the file', async () => {
    const { store } = loggedIn();
    const seen: (string | null)[] = [];
    const fetchFn = vi.fn(async (url: string, init: RequestInit) => {
      const headers = (init.headers ?? {}) as Record<string, string>;
      if (url.endsWith('/auth/refresh')) return json(200, { token: 'new', refresh_token: 'r2', expires_in: 3600 });
      seen.push(headers.Authorization ?? null);
      if (headers.Authorization !== 'Bearer new') return unauthorized();
      return new Response('a,b\n1,2\n#signature,xyz\n', {
        status: 200,
        headers: { 'Content-Type': 'text/csv', 'Content-Disposition': 'attachment; filename="audit.csv"' },
      });
    });
    const client = createApiClient({ store, fetch: fetchFn });
    const file = await client.download('/audit-logs/export', { query: { format: 'csv' } });
    expect(seen).toEqual(['Bearer old', 'Bearer new']);
    expect(fetchFn.mock.calls[0][0]).toBe('/api/v1/audit-logs/export?format=csv');
    expect(file.filename).toBe('audit.csv');
    expect(await file.blob.text()).toContain('#signature,');
  });

  it('fails with the error envelope', async () => {
    const { store } = loggedIn('new');
    const client = createApiClient({ store, fetch: async () => json(403, { error: 'forbidden', message: 'Not allowed' }) });
    await expect(client.download('/audit-logs/export')).rejects.toMatchObject({ status: 403, message: 'Not allowed' });
  });

  it('reads file names from Content-Disposition', () => {
    expect(filenameFromDisposition(null)).toBeNull();
    expect(filenameFromDisposition('attachment')).toBeNull();
    expect(filenameFromDisposition('attachment; filename="a b.csv"')).toBe('a b.csv');
    expect(filenameFromDisposition('attachment; filename=plain.json')).toBe('plain.json');
    expect(filenameFromDisposition("attachment; filename=\"x.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf")).toBe('résumé.pdf');
  });
});
