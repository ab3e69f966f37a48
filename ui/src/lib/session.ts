// The login session: tokens plus who they belong to, kept in localStorage so a
// reload keeps the session. Every change goes through this store (never around
// it), and subscribers (React, the fetch wrapper) see it at once.

import type { AuthAccount, AuthUser } from './types';

export interface Session {
  token: string;
  refreshToken: string;
  account: AuthAccount;
  user: AuthUser;
}

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const SESSION_KEY = 'snackbase.session';

function memoryStorage(): KeyValueStorage {
  const map = new Map<string, string>();
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.token === 'string' &&
    typeof v.refreshToken === 'string' &&
    typeof v.account === 'object' &&
    v.account !== null &&
    typeof v.user === 'object' &&
    v.user !== null
  );
}

export class SessionStore {
  private current: Session | null;
  private listeners = new Set<() => void>();

  constructor(private storage: KeyValueStorage = memoryStorage()) {
    this.current = SessionStore.read(storage);
  }

  private static read(storage: KeyValueStorage): Session | null {
    try {
      const raw = storage.getItem(SESSION_KEY);
      if (!raw) return null;
      const parsed: unknown = JSON.parse(raw);
      return isSession(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }

  get = (): Session | null => this.current;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  set(session: Session | null): void {
    this.current = session;
    try {
      if (session) this.storage.setItem(SESSION_KEY, JSON.stringify(session));
      else this.storage.removeItem(SESSION_KEY);
    } catch {
      // Storage full or disabled: the session still lives in memory.
    }
    this.listeners.forEach((l) => l());
  }

  setTokens(token: string, refreshToken: string): void {
    if (!this.current) return;
    this.set({ ...this.current, token, refreshToken });
  }

  clear(): void {
    this.set(null);
  }

  /** Picks up a change made by another tab. */
  reload(): void {
    const next = SessionStore.read(this.storage);
    if (JSON.stringify(next) !== JSON.stringify(this.current)) {
      this.current = next;
      this.listeners.forEach((l) => l());
    }
  }
}

function browserStorage(): KeyValueStorage | undefined {
  try {
    return typeof window !== 'undefined' ? window.localStorage : undefined;
  } catch {
    return undefined;
  }
}

export const sessionStore = new SessionStore(browserStorage());

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key === SESSION_KEY || e.key === null) sessionStore.reload();
  });
}
