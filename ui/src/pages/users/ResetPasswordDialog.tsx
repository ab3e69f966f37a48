import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import type { z } from 'zod';
import { useResetPassword } from '@/api/users';
import { newPasswordSchema } from '@/lib/password';
import { applyServerErrors } from '@/lib/form-errors';
import { useGuardedClose } from '@/lib/use-unsaved-guard';
import type { User } from '@/lib/types';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { FormError, FormField } from '@/components/ui/form-field';
import { useToast } from '@/components/ui/toast';
import { PasswordRules } from '@/components/PasswordRules';

type Values = z.infer<typeof newPasswordSchema>;

export function ResetPasswordDialog({ user, onClose }: { user: User | null; onClose: () => void }) {
  const toast = useToast();
  const reset = useResetPassword();
  const [formError, setFormError] = useState('');
  const form = useForm<Values>({ resolver: zodResolver(newPasswordSchema), defaultValues: { password: '', confirm: '' } });
  const { errors, isDirty } = form.formState;
  const password = form.watch('password');

  useEffect(() => {
    if (user) {
      form.reset({ password: '', confirm: '' });
      setFormError('');
    }
  }, [user, form]);

  const close = useGuardedClose(isDirty, onClose);

  const onSubmit = form.handleSubmit(async ({ password: pw }) => {
    if (!user) return;
    setFormError('');
    try {
      await reset.mutateAsync({ id: user.id, password: pw });
      toast.success(`Password of ${user.email} reset; their sessions were ended`);
      onClose();
    } catch (e) {
      setFormError(applyServerErrors(e, form.setError, ['password'], { new_password: 'password' }));
    }
  });

  return (
    <Dialog
      open={user !== null}
      onClose={close}
      title="Reset password"
      description={user ? `Set a new password for ${user.email}. Their open sessions end.` : undefined}
      footer={
        <>
          <Button variant="outline" onClick={close}>
            Cancel
          </Button>
          <Button type="submit" form="reset-form" loading={reset.isPending}>
            Reset password
          </Button>
        </>
      }
    >
      <form id="reset-form" onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
        <FormError message={formError} />
        <FormField label="New password" htmlFor="reset-password" error={errors.password?.message}>
          <Input id="reset-password" type="password" autoComplete="new-password" aria-invalid={!!errors.password} {...form.register('password')} />
        </FormField>
        <PasswordRules password={password} />
        <FormField label="Confirm password" htmlFor="reset-confirm" error={errors.confirm?.message}>
          <Input id="reset-confirm" type="password" autoComplete="new-password" aria-invalid={!!errors.confirm} {...form.register('confirm')} />
        </FormField>
      </form>
    </Dialog>
  );
}
