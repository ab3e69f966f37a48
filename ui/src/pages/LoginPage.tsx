import { useState } from 'react';
import { Link, Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useQueryClient } from '@tanstack/react-query';
import { isSuperadmin, login, useSession } from '@/lib/auth';
import { applyServerErrors } from '@/lib/form-errors';
import { useSetupStatus } from '@/api/setup';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { FormError, FormField } from '@/components/ui/form-field';
import { AuthShell } from './AuthShell';

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
  const prefill = (location.state as { email?: string } | null)?.email ?? '';

  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { account: params.get('account') ?? 'system', email: prefill, password: '' },
  });
  const { errors, isSubmitting } = form.formState;

  if (session) return <Navigate to={next ?? (isSuperadmin(session) ? '/dashboard' : '/records')} replace />;

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError('');
    try {
      const s = await login(values);
      qc.clear();
      navigate(next ?? (isSuperadmin(s) ? '/dashboard' : '/records'), { replace: true });
    } catch (e) {
      setFormError(applyServerErrors(e, form.setError, ['account', 'email', 'password']));
    }
  });

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
      </form>
    </AuthShell>
  );
}
