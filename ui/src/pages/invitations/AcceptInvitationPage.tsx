import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import type { z } from 'zod';
import { useAcceptInvitation, usePublicInvitation } from '@/api/invitations';
import { applyServerErrors } from '@/lib/form-errors';
import { newPasswordSchema } from '@/lib/password';
import { PasswordRules } from '@/components/PasswordRules';
import { Button } from '@/components/ui/button';
import { FormError, FormField } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { ErrorState, Spinner } from '@/components/ui/states';
import { AuthShell } from '@/pages/AuthShell';

type Values = z.infer<typeof newPasswordSchema>;

/** The page an invitation email links to: choose a password and join. */
export function AcceptInvitationPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const invitation = usePublicInvitation(token);
  const accept = useAcceptInvitation();
  const [formError, setFormError] = useState('');
  const [done, setDone] = useState<{ slug: string; email: string } | null>(null);
  const form = useForm<Values>({ resolver: zodResolver(newPasswordSchema), defaultValues: { password: '', confirm: '' } });
  const { errors } = form.formState;
  const password = form.watch('password');

  const onSubmit = form.handleSubmit(async ({ password: pw }) => {
    setFormError('');
    try {
      const res = await accept.mutateAsync({ token, password: pw });
      setDone({ slug: res.account.slug, email: res.user.email });
    } catch (e) {
      setFormError(applyServerErrors(e, form.setError, ['password']));
    }
  });

  if (!token) {
    return (
      <AuthShell title="Accept an invitation" subtitle="This link has no token.">
        <p className="text-sm text-muted-fg">Open the link from your invitation email.</p>
      </AuthShell>
    );
  }
  if (done) {
    return (
      <AuthShell title="Welcome aboard" subtitle={`Your account ${done.email} is ready.`}>
        <div role="status" className="flex flex-col gap-3 text-sm" data-testid="invitation-accepted">
          <p>
            Sign in to account <strong className="font-mono">{done.slug}</strong> with your new password.
          </p>
          <Link to={`/login?account=${encodeURIComponent(done.slug)}`} state={{ email: done.email }} className="font-medium text-primary underline">
            Go to sign in
          </Link>
        </div>
      </AuthShell>
    );
  }
  return (
    <AuthShell
      title="Accept your invitation"
      subtitle={invitation.data ? `Join ${invitation.data.account_name} as ${invitation.data.email}.` : 'Choose a password to join.'}
    >
      {invitation.isPending ? (
        <Spinner />
      ) : invitation.isError ? (
        <ErrorState error={invitation.error} />
      ) : invitation.data.status !== 'pending' ? (
        <p role="alert" className="text-sm text-danger">
          This invitation is {invitation.data.status}; ask for a new one.
        </p>
      ) : (
        <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
          <FormError message={formError} />
          <FormField label="Password" htmlFor="accept-password" error={errors.password?.message}>
            <Input id="accept-password" type="password" autoComplete="new-password" aria-invalid={!!errors.password} {...form.register('password')} />
          </FormField>
          <PasswordRules password={password} />
          <FormField label="Confirm password" htmlFor="accept-confirm" error={errors.confirm?.message}>
            <Input id="accept-confirm" type="password" autoComplete="new-password" aria-invalid={!!errors.confirm} {...form.register('confirm')} />
          </FormField>
          <Button type="submit" loading={accept.isPending} className="w-full">
            Accept and create my account
          </Button>
        </form>
      )}
    </AuthShell>
  );
}
