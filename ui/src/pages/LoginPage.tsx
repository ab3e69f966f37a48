import { useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useQueryClient } from '@tanstack/react-query';
import { isSuperadmin, login, startSession, verifyMfa, useSession, type MfaStep } from '@/lib/auth';
import type { Session } from '@/lib/session';
import type { AuthResponse } from '@/lib/types';
import { applyServerErrors } from '@/lib/form-errors';
import { forgotPasswordHref, isEmailNotVerified } from '@/lib/auth-flows';
import { errorMessage } from '@/lib/api';
import { useSetupStatus } from '@/api/setup';
import { useSendVerification } from '@/api/auth';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { FormError, FormField } from '@/components/ui/form-field';
import { AuthShell } from './AuthShell';
import { OAuthButtons } from './OAuthButtons';
import { RecoveryCodeList, TotpEnrolment } from './security/TotpEnrolment';

const schema = z.object({
  account: z.string().trim().min(1, 'Account is required'),
  email: z.string().trim().min(1, 'Email is required').email('Enter a valid email address'),
  password: z.string().min(1, 'Password is required'),
});
type Values = z.infer<typeof schema>;

function safeNext(next: string | null): string | null {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : null;
}

export function LoginPage() {
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const qc = useQueryClient();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const setup = useSetupStatus();
  const [formError, setFormError] = useState('');
  // Set when the password was right but the address is not verified yet.
  const [unverified, setUnverified] = useState<{ account: string; email: string } | null>(null);
  const [resent, setResent] = useState('');
  // The password was right; a code (or a TOTP enrolment) is due before the session.
  // (An OAuth sign-in whose user has a second factor arrives with the step in the router state.)
  const [mfa, setMfa] = useState<MfaStep | null>(() => (location.state as { mfa?: MfaStep } | null)?.mfa ?? null);
  const [mfaCode, setMfaCode] = useState('');
  const [mfaBusy, setMfaBusy] = useState(false);
  // An admin who enrolled at login: the session waits until the codes are saved.
  const [enrolled, setEnrolled] = useState<{ codes: string[]; auth: AuthResponse } | null>(null);
  const sendVerification = useSendVerification();
  const prefill = (location.state as { email?: string } | null)?.email ?? '';

  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { account: params.get('account') ?? 'system', email: prefill, password: '' },
  });
  const { errors, isSubmitting } = form.formState;
  const account = form.watch('account');

  const enter = (s: Session) => {
    qc.clear();
    navigate(next ?? (isSuperadmin(s) ? '/dashboard' : '/records'), { replace: true });
  };

  if (session) return <Navigate to={next ?? (isSuperadmin(session) ? '/dashboard' : '/records')} replace />;

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError('');
    setUnverified(null);
    setResent('');
    try {
      const s = await login(values);
      if ('mfaToken' in s) {
        setMfa(s);
        setMfaCode('');
        return;
      }
      enter(s);
    } catch (e) {
      // The server's words as they come, e.g. "Email not verified. Please check your email inbox."
      setFormError(applyServerErrors(e, form.setError, ['account', 'email', 'password']));
      if (isEmailNotVerified(e)) setUnverified({ account: values.account.trim(), email: values.email.trim() });
    }
  });

  const onResend = async () => {
    if (!unverified) return;
    try {
      setResent((await sendVerification.mutateAsync(unverified)).message);
    } catch (e) {
      setResent(errorMessage(e));
    }
  };

  const onVerify = async (e: FormEvent) => {
    e.preventDefault();
    if (!mfa) return;
    setFormError('');
    if (!mfaCode.trim()) {
      setFormError('Enter the code from your authenticator app');
      return;
    }
    setMfaBusy(true);
    try {
      enter(await verifyMfa(mfa.mfaToken, mfaCode.trim()));
    } catch (err) {
      setFormError(errorMessage(err));
    } finally {
      setMfaBusy(false);
    }
  };

  const startOver = () => {
    setMfa(null);
    setFormError('');
  };

  if (enrolled) {
    return (
      <AuthShell title="Recovery codes" subtitle="Two-factor authentication is on.">
        <RecoveryCodeList codes={enrolled.codes} onDone={() => enter(startSession(enrolled.auth))} />
      </AuthShell>
    );
  }

  if (mfa?.enrol) {
    return (
      <AuthShell title="Set up two-factor authentication" subtitle="This account requires its admins to sign in with an authenticator app.">
        <TotpEnrolment
          mfaToken={mfa.mfaToken}
          onConfirmed={(res) => {
            if (res.token && res.refresh_token && res.account && res.user && res.expires_in !== undefined) {
              setEnrolled({
                codes: res.recovery_codes,
                auth: { token: res.token, refresh_token: res.refresh_token, expires_in: res.expires_in, account: res.account, user: res.user },
              });
            }
          }}
        />
        <button type="button" onClick={startOver} className="mt-4 w-full text-center text-sm font-medium text-primary hover:underline">
          Back to sign in
        </button>
      </AuthShell>
    );
  }

  if (mfa) {
    return (
      <AuthShell title="Two-factor authentication" subtitle="Enter the code from your authenticator app, or one of your recovery codes.">
        <form onSubmit={(e) => void onVerify(e)} noValidate className="flex flex-col gap-4">
          <FormError message={formError} />
          <FormField label="Code" htmlFor="mfa-code">
            <Input
              id="mfa-code"
              autoFocus
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={32}
              value={mfaCode}
              onChange={(e) => setMfaCode(e.target.value)}
            />
          </FormField>
          <Button type="submit" loading={mfaBusy} className="w-full">
            Verify
          </Button>
          <button type="button" onClick={startOver} className="text-center text-sm font-medium text-primary hover:underline">
            Back to sign in
          </button>
        </form>
      </AuthShell>
    );
  }

  return (
    <AuthShell title="Sign in" subtitle="The superadmin signs in to account “system”; an account admin uses the account's code or slug.">
      {setup.data?.needs_setup && (
        <div className="mb-4 rounded-md border border-warn/40 bg-warn/10 px-3 py-2 text-sm" role="status">
          No superadmin exists yet. Open the setup link the server printed at start, or{' '}
          <Link to="/setup" className="font-medium text-primary underline">
            enter its token
          </Link>
          .
        </div>
      )}
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
        <FormError message={formError} />
        {unverified && (
          <div className="flex flex-col items-start gap-1 text-sm" data-testid="login-unverified">
            {resent ? (
              <p role="status">{resent}</p>
            ) : (
              <Button type="button" variant="outline" size="sm" loading={sendVerification.isPending} onClick={() => void onResend()}>
                Send the verification email again
              </Button>
            )}
          </div>
        )}
        <FormField label="Account" htmlFor="account" error={errors.account?.message} hint="Code (AA0001) or slug">
          <Input id="account" autoComplete="organization" aria-invalid={!!errors.account} {...form.register('account')} />
        </FormField>
        <FormField label="Email" htmlFor="email" error={errors.email?.message}>
          <Input id="email" type="email" autoComplete="username" aria-invalid={!!errors.email} {...form.register('email')} />
        </FormField>
        <FormField label="Password" htmlFor="password" error={errors.password?.message}>
          <Input
            id="password"
            type="password"
            autoComplete="current-password"
            aria-invalid={!!errors.password}
            {...form.register('password')}
          />
        </FormField>
        <Button type="submit" loading={isSubmitting} className="w-full">
          Sign in
        </Button>
        <Link to={forgotPasswordHref(account ?? '')} className="text-center text-sm font-medium text-primary hover:underline">
          Forgot password?
        </Link>
      </form>
      <OAuthButtons account={account ?? ''} />
    </AuthShell>
  );
}
