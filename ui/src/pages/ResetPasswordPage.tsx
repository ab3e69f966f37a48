import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import type { z } from 'zod';
import { useResetPasswordWithToken, useResetTokenCheck } from '@/api/auth';
import { ApiError } from '@/lib/api';
import { applyServerErrors } from '@/lib/form-errors';
import { newPasswordSchema } from '@/lib/password';
import { formatDateTime } from '@/lib/utils';
import { PasswordRules } from '@/components/PasswordRules';
import { Button } from '@/components/ui/button';
import { FormError, FormField } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { ErrorState, Spinner } from '@/components/ui/states';
import { AuthShell } from './AuthShell';

type Values = z.infer<typeof newPasswordSchema>;

function InvalidLink({ message }: { message?: string }) {
  return (
    <AuthShell title="Reset your password">
      <div role="alert" className="flex flex-col gap-3 text-sm" data-testid="reset-link-invalid">
        <p className="text-danger">{message ?? 'This reset link is invalid or has expired.'}</p>
        <p className="text-muted-fg">A link works once and for a limited time; asking again replaces the previous one.</p>
        <Link to="/forgot-password" className="font-medium text-primary underline">
          Ask for a new link
        </Link>
      </div>
    </AuthShell>
  );
}

/** The page a reset email links to: check the token, then choose a new password. */
export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const check = useResetTokenCheck(token);
  const reset = useResetPasswordWithToken();
  const [formError, setFormError] = useState('');
  // Set when the server refused the token on submit (used or expired meanwhile).
  const [refused, setRefused] = useState('');
  const [done, setDone] = useState(false);
  const form = useForm<Values>({ resolver: zodResolver(newPasswordSchema), defaultValues: { password: '', confirm: '' } });
  const { errors } = form.formState;
  const password = form.watch('password');

  if (!token) return <InvalidLink message="This link has no token. Open the link from your email, or ask for a new one." />;
  if (done) {
    return (
      <AuthShell title="Password changed" subtitle={check.data?.email ? `The password of ${check.data.email} is set.` : undefined}>
        <div role="status" className="flex flex-col gap-3 text-sm" data-testid="password-reset-done">
          <p>Your other sessions were signed out. Sign in with the new password.</p>
          <Link to="/login" state={{ email: check.data?.email ?? '' }} className="font-medium text-primary underline">
            Go to sign in
          </Link>
        </div>
      </AuthShell>
    );
  }
  if (check.isPending) {
    return (
      <AuthShell title="Reset your password">
        <Spinner />
      </AuthShell>
    );
  }
  if (check.isError) {
    return (
      <AuthShell title="Reset your password">
        <ErrorState error={check.error} onRetry={() => void check.refetch()} />
      </AuthShell>
    );
  }
  if (!check.data.valid || refused) return <InvalidLink message={refused || undefined} />;

  const onSubmit = form.handleSubmit(async ({ password: pw }) => {
    setFormError('');
    try {
      await reset.mutateAsync({ token, new_password: pw });
      setDone(true);
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) {
        setRefused(e.message);
        return;
      }
      setFormError(applyServerErrors(e, form.setError, ['password'], { new_password: 'password' }));
    }
  });

  return (
    <AuthShell
      title="Choose a new password"
      subtitle={
        <>
          For <strong className="font-medium text-fg">{check.data.email}</strong>
          {check.data.expires_at && <> · the link works until {formatDateTime(check.data.expires_at)}</>}
        </>
      }
    >
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
        <FormError message={formError} />
        <input type="email" hidden readOnly autoComplete="username" value={check.data.email ?? ''} />
        <FormField label="New password" htmlFor="new-password" error={errors.password?.message}>
          <Input id="new-password" type="password" autoComplete="new-password" aria-invalid={!!errors.password} {...form.register('password')} />
        </FormField>
        <PasswordRules password={password} />
        <FormField label="Confirm password" htmlFor="new-confirm" error={errors.confirm?.message}>
          <Input id="new-confirm" type="password" autoComplete="new-password" aria-invalid={!!errors.confirm} {...form.register('confirm')} />
        </FormField>
        <Button type="submit" loading={reset.isPending} className="w-full">
          Set new password
        </Button>
      </form>
    </AuthShell>
  );
}
