import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { passwordSchema } from '@/lib/password';
import { applyServerErrors } from '@/lib/form-errors';
import { useRunSetup, useSetupStatus } from '@/api/setup';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { FormError, FormField } from '@/components/ui/form-field';
import { Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { PasswordRules } from '@/components/PasswordRules';
import { AuthShell } from './AuthShell';

const schema = z
  .object({
    token: z.string().trim().min(1, 'The setup token is required'),
    email: z.string().trim().min(1, 'Email is required').email('Enter a valid email address'),
    password: passwordSchema,
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'Passwords do not match' });
type Values = z.infer<typeof schema>;

export function SetupPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const toast = useToast();
  const status = useSetupStatus();
  const run = useRunSetup();
  const [formError, setFormError] = useState('');
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { token: params.get('token') ?? '', email: '', password: '', confirm: '' },
    mode: 'onTouched',
  });
  const { errors } = form.formState;
  const password = form.watch('password');

  if (status.isPending) {
    return (
      <AuthShell title="First-run setup">
        <Spinner />
      </AuthShell>
    );
  }
  if (status.data && !status.data.needs_setup) {
    return (
      <AuthShell title="Setup is done" subtitle="A superadmin already exists.">
        <Link to="/login" className="text-sm font-medium text-primary hover:underline">
          Go to sign in
        </Link>
      </AuthShell>
    );
  }

  const onSubmit = form.handleSubmit(async ({ token, email, password: pw }) => {
    setFormError('');
    try {
      await run.mutateAsync({ token, email, password: pw });
      toast.success('Superadmin created. Sign in to continue.');
      navigate('/login', { replace: true, state: { email } });
    } catch (e) {
      setFormError(applyServerErrors(e, form.setError, ['token', 'email', 'password']));
    }
  });

  return (
    <AuthShell title="Create the superadmin" subtitle="This one-time form creates the first administrator of this server.">
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
        <FormError message={formError} />
        <FormField label="Setup token" htmlFor="token" error={errors.token?.message} hint="From the link the server printed at start">
          <Input id="token" autoComplete="off" className="font-mono text-xs" aria-invalid={!!errors.token} {...form.register('token')} />
        </FormField>
        <FormField label="Email" htmlFor="email" error={errors.email?.message}>
          <Input id="email" type="email" autoComplete="username" aria-invalid={!!errors.email} {...form.register('email')} />
        </FormField>
        <FormField label="Password" htmlFor="password" error={errors.password?.message}>
          <Input id="password" type="password" autoComplete="new-password" aria-invalid={!!errors.password} {...form.register('password')} />
        </FormField>
        <PasswordRules password={password} />
        <FormField label="Confirm password" htmlFor="confirm" error={errors.confirm?.message}>
          <Input id="confirm" type="password" autoComplete="new-password" aria-invalid={!!errors.confirm} {...form.register('confirm')} />
        </FormField>
        <Button type="submit" loading={run.isPending} className="w-full">
          Create superadmin
        </Button>
      </form>
    </AuthShell>
  );
}
