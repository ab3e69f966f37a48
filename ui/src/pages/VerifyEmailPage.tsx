import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { verifyEmail } from '@/api/auth';
import { errorMessage } from '@/lib/api';
import { Spinner } from '@/components/ui/states';
import { AuthShell } from './AuthShell';

type State = { status: 'pending' } | { status: 'verified'; email: string } | { status: 'failed'; message: string };

/** The page a verification email links to: it verifies the address on opening. */
export function VerifyEmailPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [state, setState] = useState<State>({ status: 'pending' });

  useEffect(() => {
    if (!token) return;
    let live = true;
    // verifyEmail() posts once per token, however often the effect runs.
    verifyEmail(token).then(
      (res) => live && setState({ status: 'verified', email: res.email }),
      (e: unknown) => live && setState({ status: 'failed', message: errorMessage(e) }),
    );
    return () => {
      live = false;
    };
  }, [token]);

  if (!token) {
    return (
      <AuthShell title="Verify your email">
        <p role="alert" className="text-sm text-danger" data-testid="verify-email-failed">
          This link has no token. Open the link from your verification email.
        </p>
      </AuthShell>
    );
  }
  if (state.status === 'pending') {
    return (
      <AuthShell title="Verifying your email…">
        <Spinner />
      </AuthShell>
    );
  }
  if (state.status === 'failed') {
    return (
      <AuthShell title="Verification failed">
        <div role="alert" className="flex flex-col gap-3 text-sm" data-testid="verify-email-failed">
          <p className="text-danger">{state.message}</p>
          <p className="text-muted-fg">
            A link works once and for a limited time. Sign in to ask for a new one, or ask an administrator of your account.
          </p>
          <Link to="/login" className="font-medium text-primary underline">
            Go to sign in
          </Link>
        </div>
      </AuthShell>
    );
  }
  return (
    <AuthShell title="Email verified">
      <div role="status" className="flex flex-col gap-3 text-sm" data-testid="verify-email-done">
        <p>
          <strong className="break-all font-medium">{state.email}</strong> is verified. You can sign in now.
        </p>
        <Link to="/login" state={{ email: state.email }} className="font-medium text-primary underline">
          Go to sign in
        </Link>
      </div>
    </AuthShell>
  );
}
