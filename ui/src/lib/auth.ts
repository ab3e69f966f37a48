import { useSyncExternalStore } from 'react';
import { api } from './api';
import { sessionStore, type Session } from './session';
import { SYSTEM_ACCOUNT, type AuthResponse } from './types';

export function useSession(): Session | null {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.get, sessionStore.get);
}

export function isSuperadmin(session: Session | null): boolean {
  return session?.account.id === SYSTEM_ACCOUNT;
}

/** The superadmin, or an admin (role `admin`) of their own account. */
export function isAdmin(session: Session | null): boolean {
  return isSuperadmin(session) || session?.user.role === 'admin';
}

/** The superadmin and account admins may read collection schemas (read-only for admins). */
export function canReadSchemas(session: Session | null): boolean {
  return isAdmin(session);
}

export interface LoginInput {
  account: string;
  email: string;
  password: string;
}

export async function login(input: LoginInput): Promise<Session> {
  const res = await api.post<AuthResponse>('/auth/login', input, { auth: false });
  const session: Session = {
    token: res.token,
    refreshToken: res.refresh_token,
    account: res.account,
    user: res.user,
  };
  sessionStore.set(session);
  return session;
}

/** Revokes the session on the server (best effort), then forgets it here. */
export async function logout(): Promise<void> {
  const session = sessionStore.get();
  if (session) {
    try {
      await api.post('/auth/logout', { refresh_token: session.refreshToken });
    } catch {
      // The local session ends whatever the server says.
    }
  }
  sessionStore.clear();
}
