import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApiClient } from './api';
import { mayImpersonate } from './auth';
import { SAVED_SESSION_KEY, SESSION_KEY, SessionStore, type KeyValueStorage, type Session } from './session';

function memory(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

const own: Session = {
  token: 'root-token',
  refreshToken: 'root-refresh',
  account: { id: 'SY0000', slug: 'system', name: 'System', created_at: '' },
  user: { id: 'root', email: 'root@example.com', role: 'admin', is_active: true, created_at: '' },
};

const acting: Session = {
  token: 'imp-token',
  refreshToken: '',
  account: { id: 'AA0001', slug: 'acme', name: 'Acme', created_at: '' },
  user: { id: 'u1', email: 'u@acme.example.com', role: 'user', is_active: true, created_at: '' },
  impersonation: { by: { id: 'root', email: 'root@example.com' }, expiresAt: '2099-01-01T00:00:00Z' },
};

function impersonating() {
  const storage = memory();
  const store = new SessionStore(storage);
  store.set(own);
  store.startImpersonation(acting);
  return { store, storage };
}

describe('SessionStore impersonation', () => {
  it('keeps the own session aside and restores it', () => {
    const { store, storage } = impersonating();
    expect(store.get()).toEqual(acting);
    expect(JSON.parse(storage.data.get(SAVED_SESSION_KEY)!)).toEqual(own);
    expect(store.endImpersonation()).toEqual(own);
    expect(store.get()).toEqual(own);
    expect(storage.data.has(SAVED_SESSION_KEY)).toBe(false);
    expect(JSON.parse(storage.data.get(SESSION_KEY)!)).toEqual(own);
  });

  it('survives a reload (a new store on the same storage)', () => {
    const { storage } = impersonating();
    const again = new SessionStore(storage);
    expect(again.get()).toEqual(acting);
    expect(again.endImpersonation()).toEqual(own);
  });

  it('never replaces the saved session with an impersonation one', () => {
    const { store } = impersonating();
    store.startImpersonation({ ...acting, token: 'imp-2' });
    expect(store.endImpersonation()).toEqual(own);
  });

  it('ending without an impersonation changes nothing', () => {
    const storage = memory();
    const store = new SessionStore(storage);
    store.set(own);
    expect(store.endImpersonation()).toEqual(own);
    expect(store.get()).toEqual(own);
  });

  it('clear forgets the saved session too', () => {
    const { store, storage } = impersonating();
    store.clear();
    expect(store.get()).toBeNull();
    expect(storage.data.has(SAVED_SESSION_KEY)).toBe(false);
  });
});

describe('api client while impersonating', () => {
  it('a 401 restores the own session, is not retried, and no refresh is sent', async () => {
    const { store } = impersonating();
    const calls: { url: string; auth: string | null }[] = [];
    const fetchFn = vi.fn(async (url: string, init: RequestInit) => {
      const auth = ((init.headers ?? {}) as Record<string, string>).Authorization ?? null;
      calls.push({ url, auth });
      return new Response(JSON.stringify({ error: 'unauthorized', message: 'Token expired' }), { status: 401 });
    });
    const onImpersonationEnd = vi.fn();
    const onLogout = vi.fn();
    const api = createApiClient({ store, fetch: fetchFn, onImpersonationEnd, onLogout });
    const results = await Promise.allSettled([api.get('/records/a'), api.get('/records/b')]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ApiError);
    }
    expect(calls.map((c) => c.auth)).toEqual(['Bearer imp-token', 'Bearer imp-token']);
    expect(calls.some((c) => c.url.endsWith('/auth/refresh'))).toBe(false);
    expect(store.get()).toEqual(own);
    expect(onImpersonationEnd).toHaveBeenCalledTimes(1);
    expect(onLogout).not.toHaveBeenCalled();
  });

  it('a refresh asked for (realtime) restores the own session instead of logging out', async () => {
    const { store } = impersonating();
    const fetchFn = vi.fn(async () => new Response(null, { status: 500 }));
    const onLogout = vi.fn();
    const api = createApiClient({ store, fetch: fetchFn, onLogout });
    expect(await api.refresh()).toBe(false);
    expect(fetchFn).not.toHaveBeenCalled();
    expect(store.get()).toEqual(own);
    expect(onLogout).not.toHaveBeenCalled();
  });
});

describe('mayImpersonate', () => {
  const admin: Session = {
    token: 'admin-token',
    refreshToken: 'admin-refresh',
    account: { id: 'AA0001', slug: 'acme', name: 'Acme', created_at: '' },
    user: { id: 'a1', email: 'a@acme.example.com', role: 'admin', is_active: true, created_at: '' },
  };
  const user = (over: Partial<{ id: string; account_id: string; role_name: string; is_active: boolean }> = {}) => ({
    id: 'u1',
    account_id: 'AA0001',
    role_name: 'user',
    is_active: true,
    ...over,
  });

  it('offers the superadmin anyone active but the superadmin and itself', () => {
    expect(mayImpersonate(own, true, user())).toBe(true);
    expect(mayImpersonate(own, true, user({ role_name: 'admin', account_id: 'AA0002' }))).toBe(true);
    expect(mayImpersonate(own, true, user({ account_id: 'SY0000', id: 'x' }))).toBe(false);
    expect(mayImpersonate(own, true, user({ id: 'root' }))).toBe(false);
    expect(mayImpersonate(own, true, user({ is_active: false }))).toBe(false);
  });

  it('offers an account admin the non-admin users of their account, when the server allows', () => {
    expect(mayImpersonate(admin, true, user())).toBe(true);
    expect(mayImpersonate(admin, true, user({ role_name: 'editor' }))).toBe(true);
    expect(mayImpersonate(admin, false, user())).toBe(false);
    expect(mayImpersonate(admin, true, user({ role_name: 'admin', id: 'a2' }))).toBe(false);
    expect(mayImpersonate(admin, true, user({ account_id: 'AA0002' }))).toBe(false);
    expect(mayImpersonate(admin, true, user({ id: 'a1', role_name: 'admin' }))).toBe(false);
  });

  it('offers nothing from an impersonation session', () => {
    expect(mayImpersonate(acting, true, user({ id: 'u2' }))).toBe(false);
  });
});
