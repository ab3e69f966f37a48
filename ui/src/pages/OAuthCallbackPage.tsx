import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '@/lib/api';
import { isSuperadmin } from '@/lib/auth';
import { once } from '@/lib/auth-flows';
import { checkCallback, finishOAuth, OAUTH_KEY, readPending } from '@/lib/oauth';
import { Spinner } from '@/components/ui/states';
import { AuthShell } from './AuthShell';

/** Where the provider sends the browser back: checks `state`, exchanges the code, signs in. */
export function OAuthCallbackPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [error, setError] = useState('');
  const [account, setAccount] = useState('');

  useEffect(() => {
    const pending = readPending(window.sessionStorage);
    setAccount(pending?.account ?? '');
    const checked = checkCallback(params, pending);
    if ('error' in checked) {
      setError(checked.error);
      return;
    }
    // Once per code (React runs effects twice in development).
    once(`oauth:${checked.state}`, () =>
      finishOAuth(checked.provider, { code: checked.code, redirect_uri: checked.redirectUri, state: checked.state }),
    ).then(
      (s) => {
        window.sessionStorage.removeItem(OAUTH_KEY);
        if ('mfaToken' in s) {
          // A second factor is due: the login page asks for it.
          const to = pending?.account ? `/login?account=${encodeURIComponent(pending.account)}` : '/login';
          navigate(to, { replace: true, state: { mfa: s } });
          return;
        }
        qc.clear();
        navigate(isSuperadmin(s) ? '/dashboard' : '/records', { replace: true });
      },
      (e: unknown) => {
        window.sessionStorage.removeItem(OAUTH_KEY);
        setError(errorMessage(e));
      },
    );
  }, [params, navigate, qc]);

  return (
    <AuthShell title={error ? 'Sign-in failed' : 'Signing you in…'}>
      {error ? (
        <div className="flex flex-col gap-4">
          <p role="alert" className="rounded-md border border-danger/40 bg-danger/10 px-3 py-2 text-sm text-danger" data-testid="oauth-error">
            {error}
          </p>
          <Link to={account ? `/login?account=${encodeURIComponent(account)}` : '/login'} className="text-center text-sm font-medium text-primary hover:underline">
            Back to sign in
          </Link>
        </div>
      ) : (
        <Spinner label="Signing you in…" />
      )}
    </AuthShell>
  );
}
