import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useForgotPassword } from '@/api/auth';
import { applyServerErrors } from '@/lib/form-errors';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { FormError, FormField } from '@/components/ui/form-field';
import { AuthShell } from './AuthShell';

const schema = z.object({
  account: z.string().trim().min(1, 'Account is required'),
  email: z.string().trim().min(1, 'Email is required').email('Enter a valid email address'),
});
type Values = z.infer<typeof schema>;

/** Asks for a reset link by mail. The server answers the same whether or not the address is known. */
export function ForgotPasswordPage() {
  const [params] = useSearchParams();
  const forgot = useForgotPassword();
  const [formError, setFormError] = useState('');
  const [sent, setSent] = useState<{ message: string; account: string } | null>(null);
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { account: params.get('account') ?? '', email: '' },
  });
  const { errors } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError('');
    try {
      const res = await forgot.mutateAsync(values);
      setSent({ message: res.message, account: values.account });
    } catch (e) {
      setFormError(applyServerErrors(e, form.setError, ['account', 'email']));
    }
  });

  const signIn = (account: string) => (account ? `/login?account=${encodeURIComponent(account)}` : '/login');

  if (sent) {
    return (
      <AuthShell title="Check your email">
        <div role="status" className="flex flex-col gap-3 text-sm" data-testid="forgot-password-sent">
          <p>{sent.message}</p>
          <p className="text-muted-fg">The link works once and expires soon. Nothing arrived? Check the address and the account, then ask again.</p>
          <div className="flex flex-wrap gap-x-4 gap-y-2">
            <Link to={signIn(sent.account)} className="font-medium text-primary underline">
              Back to sign in
            </Link>
            <button type="button" className="cursor-pointer font-medium text-primary underline" onClick={() => setSent(null)}>
              Ask again
            </button>
          </div>
        </div>
      </AuthShell>
    );
  }

  return (
    <AuthShell title="Forgot your password?" subtitle="Enter your account and email address: we send you a link to choose a new password.">
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
        <FormError message={formError} />
        <FormField label="Account" htmlFor="forgot-account" error={errors.account?.message} hint="Code (AA0001) or slug">
          <Input id="forgot-account" autoComplete="organization" aria-invalid={!!errors.account} {...form.register('account')} />
        </FormField>
        <FormField label="Email" htmlFor="forgot-email" error={errors.email?.message}>
          <Input id="forgot-email" type="email" autoComplete="username" aria-invalid={!!errors.email} {...form.register('email')} />
        </FormField>
        <Button type="submit" loading={forgot.isPending} className="w-full">
          Send reset link
        </Button>
        <Link to={signIn(form.watch('account').trim())} className="text-center text-sm font-medium text-primary hover:underline">
          Back to sign in
        </Link>
      </form>
    </AuthShell>
  );
}
