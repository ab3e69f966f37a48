// The login session: tokens plus who they belong to, kept in localStorage so a
// reload keeps the session. Every change goes through this store (never around
// it), and subscribers (React, the fetch wrapper) see it at once.

import type { AuthAccount, AuthUser } from './types';

export interface Session {
  token: string;
  /** Empty for an impersonation session (the server gives it no refresh token). */
  refreshToken: string;
  account: AuthAccount;
  user: AuthUser;
  /** Set while the superadmin acts as `user`: who started it and when the token ends. */
  impersonation?: Impersonation;
}

export interface Impersonation {
  by: { id: string; email: string };
  /** ISO time the impersonation token expires. */
  expiresAt: string;
}

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const SESSION_KEY = 'snackbase.session';
/** The superadmin's own session, kept aside while impersonating. */
export const SAVED_SESSION_KEY = 'snackbase.session.saved';

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

  /** In memory too, so a failing storage never loses the saved session. */
  private saved: Session | null;

  constructor(private storage: KeyValueStorage = memoryStorage()) {
    this.current = SessionStore.read(storage);
    this.saved = SessionStore.read(storage, SAVED_SESSION_KEY);
  }

  private static read(storage: KeyValueStorage, key = SESSION_KEY): Session | null {
    try {
      const raw = storage.getItem(key);
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
    this.dropSaved();
    this.set(null);
  }

  /** The session kept aside while impersonating (the superadmin's own). */
  savedSession(): Session | null {
    return this.saved ?? SessionStore.read(this.storage, SAVED_SESSION_KEY);
  }

  private dropSaved(): void {
    this.saved = null;
    try {
      this.storage.removeItem(SAVED_SESSION_KEY);
    } catch {
      // nothing stored
    }
  }

  /**
   * Switches to an impersonation session, keeping the current (own) session
   * aside. Starting from an impersonation session keeps the first saved one.
   */
  startImpersonation(next: Session): void {
    const own = this.current;
    if (!own) return;
    if (!own.impersonation) {
      this.saved = own;
      try {
        this.storage.setItem(SAVED_SESSION_KEY, JSON.stringify(own));
      } catch {
        // kept in memory
      }
    }
    this.set(next);
  }

  /**
   * Ends an impersonation session here and restores the saved one. Does
   * nothing when the current session is not an impersonation.
   */
  endImpersonation(): Session | null {
    if (!this.current?.impersonation) return this.current;
    const own = this.savedSession();
    this.dropSaved();
    this.set(own);
    return own;
  }

  /** Picks up a change made by another tab. */
  reload(): void {
    const next = SessionStore.read(this.storage);
    this.saved = SessionStore.read(this.storage, SAVED_SESSION_KEY);
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
