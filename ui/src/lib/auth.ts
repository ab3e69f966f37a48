import { useSyncExternalStore } from 'react';
import { api } from './api';
import { sessionStore, type Session } from './session';
import { SYSTEM_ACCOUNT, type AuthResponse, type ImpersonationResponse, type MfaChallenge, type User } from './types';

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

/**
 * Whether the console offers to impersonate `user`: only when the server lets
 * the caller impersonate at all (`canImpersonate`, from `/auth/me`), and only
 * users it would accept — never the superadmin, yourself or an inactive user,
 * never from an impersonation; an account admin only the non-admin users of
 * their own account.
 */
export function mayImpersonate(
  session: Session | null,
  canImpersonate: boolean,
  user: Pick<User, 'id' | 'account_id' | 'role_name' | 'is_active'>,
): boolean {
  if (!session || !canImpersonate || session.impersonation) return false;
  if (!user.is_active || user.account_id === SYSTEM_ACCOUNT || user.id === session.user.id) return false;
  if (isSuperadmin(session)) return true;
  return user.account_id === session.account.id && user.role_name !== 'admin';
}

export interface LoginInput {
  account: string;
  email: string;
  password: string;
}

/** The password was right and a second factor is due: a code, or (enrol) a TOTP enrolment first. */
export interface MfaStep {
  mfaToken: string;
  enrol: boolean;
}

export function isMfaChallenge(res: AuthResponse | MfaChallenge): res is MfaChallenge {
  return typeof (res as MfaChallenge).mfa_token === 'string';
}

/** Starts the session of an AuthResponse (login, the second factor, enrolment at login). */
export function startSession(res: AuthResponse): Session {
  const session: Session = {
    token: res.token,
    refreshToken: res.refresh_token,
    account: res.account,
    user: res.user,
  };
  sessionStore.set(session);
  return session;
}

/** Signs in, or says which second step the server wants first. */
export async function login(input: LoginInput): Promise<Session | MfaStep> {
  const res = await api.post<AuthResponse | MfaChallenge>('/auth/login', input, { auth: false });
  if (isMfaChallenge(res)) return { mfaToken: res.mfa_token, enrol: !!res.mfa_enrollment_required };
  return startSession(res);
}

/** The second step: a TOTP or recovery code for the login's challenge. */
export async function verifyMfa(mfaToken: string, code: string): Promise<Session> {
  return startSession(await api.post<AuthResponse>('/auth/mfa/verify', { mfa_token: mfaToken, code }, { auth: false }));
}

/** Revokes the session on the server (best effort), then forgets it here. */
export async function logout(): Promise<void> {
  if (sessionStore.get()?.impersonation) await stopImpersonating();
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

/** The durations offered when starting an impersonation, in seconds. */
export const IMPERSONATION_DURATIONS = [300, 900, 3600] as const;

/** An administrator acts as the user: the console switches to their token. */
export async function impersonate(userId: string, durationSeconds = 900): Promise<Session> {
  const res = await api.post<ImpersonationResponse>(`/users/${encodeURIComponent(userId)}/impersonate`, {
    duration_seconds: durationSeconds,
  });
  const session: Session = {
    token: res.token,
    refreshToken: '',
    account: res.account,
    user: res.user,
    impersonation: {
      by: res.impersonated_by,
      expiresAt: new Date(Date.now() + res.expires_in * 1000).toISOString(),
    },
  };
  sessionStore.startImpersonation(session);
  return session;
}

/** Ends the impersonation session on the server (best effort) and restores the own session. */
export async function stopImpersonating(): Promise<void> {
  const session = sessionStore.get();
  if (!session?.impersonation) return;
  try {
    await api.post('/auth/logout');
  } catch {
    // A 401 already restored the own session; anything else: end it here anyway.
  }
  sessionStore.endImpersonation();
}

export function isImpersonating(session: Session | null): boolean {
  return !!session?.impersonation;
}
