import { describe, expect, it } from 'vitest';
import { checkCallback, readPending, redirectUriFor, savePending, type PendingOAuth } from './oauth';

const pending: PendingOAuth = { state: 's1', provider: 'google', redirectUri: 'https://x/admin/oauth/callback?provider=google', account: 'AA0001' };

function memory() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
}

describe('oauth callback', () => {
  it('builds the redirect uri', () => {
    expect(redirectUriFor('https://x', 'my oidc')).toBe('https://x/admin/oauth/callback?provider=my%20oidc');
  });

  it('round-trips the pending sign-in', () => {
    const s = memory();
    expect(readPending(s)).toBeNull();
    savePending(s, pending);
    expect(readPending(s)).toEqual(pending);
  });

  it('accepts the matching state only', () => {
    const ok = checkCallback(new URLSearchParams('code=c&state=s1&provider=google'), pending);
    expect(ok).toEqual({ provider: 'google', code: 'c', state: 's1', redirectUri: pending.redirectUri });
    expect('error' in checkCallback(new URLSearchParams('code=c&state=other'), pending)).toBe(true);
    expect('error' in checkCallback(new URLSearchParams('code=c&state=s1'), null)).toBe(true);
    expect('error' in checkCallback(new URLSearchParams('code=c&state=s1&provider=github'), pending)).toBe(true);
    expect(checkCallback(new URLSearchParams('error=access_denied'), pending)).toEqual({ error: 'The provider refused the sign-in (access_denied).' });
  });
});
