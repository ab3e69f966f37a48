import { useEffect, useState, type FormEvent } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import type { z } from 'zod';
import { useResetPassword, useSendResetLink } from '@/api/users';
import { errorMessage } from '@/lib/api';
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
import type { EmailLink } from './EmailLinkDialog';

type Values = z.infer<typeof newPasswordSchema>;
type Mode = 'password' | 'link';

const MODES: { mode: Mode; label: string }[] = [
  { mode: 'password', label: 'Set a new password' },
  { mode: 'link', label: 'Email a reset link' },
];

interface Props {
  user: User | null;
  onClose: () => void;
  /** The reset link, when the server could not mail it (no SMTP server). */
  onLink: (link: EmailLink) => void;
}

export function ResetPasswordDialog({ user, onClose, onLink }: Props) {
  const toast = useToast();
  const reset = useResetPassword();
  const sendLink = useSendResetLink();
  const [mode, setMode] = useState<Mode>('password');
  const [formError, setFormError] = useState('');
  const form = useForm<Values>({ resolver: zodResolver(newPasswordSchema), defaultValues: { password: '', confirm: '' } });
  const { errors, isDirty } = form.formState;
  const password = form.watch('password');

  useEffect(() => {
    if (user) {
      form.reset({ password: '', confirm: '' });
      setMode('password');
      setFormError('');
    }
  }, [user, form]);

  const close = useGuardedClose(mode === 'password' && isDirty, onClose);

  const onSetPassword = form.handleSubmit(async ({ password: pw }) => {
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

  const onSendLink = async () => {
    if (!user) return;
    setFormError('');
    try {
      const res = await sendLink.mutateAsync(user.id);
      onClose();
      if (res.link) onLink({ title: 'Password reset link', email: user.email, url: res.link });
      else toast.success(res.message);
    } catch (e) {
      setFormError(errorMessage(e));
    }
  };

  const onSubmit = (e: FormEvent) => {
    if (mode === 'link') {
      e.preventDefault();
      void onSendLink();
    } else {
      void onSetPassword(e);
    }
  };

  return (
    <Dialog
      open={user !== null}
      onClose={close}
      title="Reset password"
      description={
        user
          ? mode === 'password'
            ? `Set a new password for ${user.email}. Their open sessions end.`
            : `Email ${user.email} a single-use link to choose a new password. Their password stays until they use it.`
          : undefined
      }
      footer={
        <>
          <Button variant="outline" onClick={close}>
            Cancel
          </Button>
          <Button type="submit" form="reset-form" loading={reset.isPending || sendLink.isPending}>
            {mode === 'password' ? 'Reset password' : 'Send reset link'}
          </Button>
        </>
      }
    >
      <form id="reset-form" onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
        <fieldset>
          <legend className="sr-only">How to reset</legend>
          <div className="flex flex-wrap gap-x-5 gap-y-2 text-sm" role="radiogroup">
            {MODES.map((m) => (
              <label key={m.mode} className="flex items-center gap-2">
                <input
                  type="radio"
                  name="reset-mode"
                  value={m.mode}
                  checked={mode === m.mode}
                  onChange={() => {
                    setMode(m.mode);
                    setFormError('');
                  }}
                  className="h-4 w-4 accent-[var(--primary)]"
                />
                {m.label}
              </label>
            ))}
          </div>
        </fieldset>
        <FormError message={formError} />
        {mode === 'password' && (
          <>
            <FormField label="New password" htmlFor="reset-password" error={errors.password?.message}>
              <Input id="reset-password" type="password" autoComplete="new-password" aria-invalid={!!errors.password} {...form.register('password')} />
            </FormField>
            <PasswordRules password={password} />
            <FormField label="Confirm password" htmlFor="reset-confirm" error={errors.confirm?.message}>
              <Input id="reset-confirm" type="password" autoComplete="new-password" aria-invalid={!!errors.confirm} {...form.register('confirm')} />
            </FormField>
          </>
        )}
      </form>
    </Dialog>
  );
}
