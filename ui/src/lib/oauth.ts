// OAuth / OpenID Connect sign-in from the console: the login page's
// provider buttons start it, /admin/oauth/callback finishes it. The `state`
// the server handed out is kept in sessionStorage (this tab only) and must
// come back unchanged, or nothing is sent.

import { api } from './api';
import { sessionStore, type Session } from './session';
import type { AuthResponse, MfaChallenge } from './types';
import { isMfaChallenge, type MfaStep } from './auth';

export const OAUTH_KEY = 'snackbase.oauth';

export interface PendingOAuth {
  state: string;
  provider: string;
  redirectUri: string;
  account: string;
}

export interface OAuthProvider {
  provider_name: string;
  display_name: string;
}

export interface AuthorizeResponse {
  authorization_url: string;
  state: string;
  provider: string;
}

export type OAuthAuthResponse = AuthResponse & { isNewUser?: boolean; isNewAccount?: boolean };

/** Where the provider sends the browser back to. */
export function redirectUriFor(origin: string, provider: string): string {
  return `${origin}/admin/oauth/callback?provider=${encodeURIComponent(provider)}`;
}

export function savePending(storage: Pick<Storage, 'setItem'>, pending: PendingOAuth): void {
  storage.setItem(OAUTH_KEY, JSON.stringify(pending));
}

export function readPending(storage: Pick<Storage, 'getItem'>): PendingOAuth | null {
  try {
    const v: unknown = JSON.parse(storage.getItem(OAUTH_KEY) ?? 'null');
    if (typeof v !== 'object' || v === null) return null;
    const p = v as Record<string, unknown>;
    return typeof p.state === 'string' && typeof p.provider === 'string' && typeof p.redirectUri === 'string'
      ? { state: p.state, provider: p.provider, redirectUri: p.redirectUri, account: String(p.account ?? '') }
      : null;
  } catch {
    return null;
  }
}

/** What the callback may do with the query it got: a reason to stop, or what to send. */
export function checkCallback(
  query: URLSearchParams,
  pending: PendingOAuth | null,
): { error: string } | { provider: string; code: string; state: string; redirectUri: string } {
  const denied = query.get('error');
  if (denied) return { error: query.get('error_description') || `The provider refused the sign-in (${denied}).` };
  const code = query.get('code') ?? '';
  const state = query.get('state') ?? '';
  if (!code || !state) return { error: 'The provider did not send a code back.' };
  if (!pending || pending.state !== state) return { error: 'This sign-in was not started in this browser tab, or it was already used. Start again.' };
  const provider = query.get('provider') || pending.provider;
  if (provider !== pending.provider) return { error: 'The sign-in came back for another provider. Start again.' };
  return { provider, code, state, redirectUri: pending.redirectUri };
}

export function startOAuth(provider: string, account: string, redirectUri: string) {
  return api.post<AuthorizeResponse>(`/auth/oauth/${encodeURIComponent(provider)}/authorize`, { redirect_uri: redirectUri, account }, { auth: false });
}

/** Exchanges the code and signs in, as a password login does. */
/** Exchanges the code: a session, or (the user has a second factor) the step still due. */
export async function finishOAuth(provider: string, body: { code: string; redirect_uri: string; state: string }): Promise<Session | MfaStep> {
  const res = await api.post<OAuthAuthResponse | MfaChallenge>(`/auth/oauth/${encodeURIComponent(provider)}/callback`, body, { auth: false });
  if (isMfaChallenge(res)) return { mfaToken: res.mfa_token, enrol: !!res.mfa_enrollment_required };
  const session: Session = { token: res.token, refreshToken: res.refresh_token, account: res.account, user: res.user };
  sessionStore.set(session);
  return session;
}
