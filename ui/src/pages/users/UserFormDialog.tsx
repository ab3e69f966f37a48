import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useAccountOptions } from '@/api/accounts';
import { useCreateUser, useRoles, useUpdateUser } from '@/api/users';
import { isSuperadmin, useSession } from '@/lib/auth';
import { passwordSchema } from '@/lib/password';
import { applyServerErrors } from '@/lib/form-errors';
import { useGuardedClose } from '@/lib/use-unsaved-guard';
import type { User } from '@/lib/types';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Checkbox, Input, Select } from '@/components/ui/input';
import { FormError, FormField } from '@/components/ui/form-field';
import { useToast } from '@/components/ui/toast';
import { PasswordRules } from '@/components/PasswordRules';

const email = z.string().trim().min(1, 'Email is required').email('Enter a valid email address');

const createSchema = z
  .object({
    email,
    password: passwordSchema,
    confirm: z.string(),
    account_id: z.string().min(1, 'Choose an account'),
    role: z.string().min(1, 'Choose a role'),
    is_active: z.boolean(),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'Passwords do not match' });

const editSchema = z.object({
  email,
  password: z.string(),
  confirm: z.string(),
  account_id: z.string(),
  role: z.string().min(1, 'Choose a role'),
  is_active: z.boolean(),
});

type Values = z.infer<typeof createSchema>;

interface Props {
  /** Fixed for the dialog's lifetime: it picks the validation. */
  mode: 'create' | 'edit';
  open: boolean;
  onClose: () => void;
  user?: User;
  defaultAccount?: string;
}

export function UserFormDialog({ mode, open, onClose, user, defaultAccount }: Props) {
  const toast = useToast();
  const session = useSession();
  const superadmin = isSuperadmin(session);
  // An account admin creates users in their own account; there is nothing to pick.
  const ownAccount = superadmin ? undefined : session?.account;
  const accounts = useAccountOptions(open && superadmin);
  const roles = useRoles();
  // The built-ins stand in until the list arrives, so the select keeps its value.
  const roleNames = roles.data?.items.map((r) => r.name).filter((n) => n !== 'public') ?? ['admin', 'user'];
  const create = useCreateUser();
  const update = useUpdateUser();
  const [formError, setFormError] = useState('');
  const form = useForm<Values>({ resolver: zodResolver(mode === 'edit' ? editSchema : createSchema) });
  const { errors, isDirty } = form.formState;
  const password = form.watch('password') ?? '';

  useEffect(() => {
    if (!open) return;
    setFormError('');
    form.reset({
      email: user?.email ?? '',
      password: '',
      confirm: '',
      account_id: user?.account_id ?? ownAccount?.id ?? defaultAccount ?? '',
      role: user?.role_name ?? 'user',
      is_active: user?.is_active ?? true,
    });
  }, [open, user, defaultAccount, ownAccount?.id, form]);

  const close = useGuardedClose(isDirty, onClose);

  const onSubmit = form.handleSubmit(async (v) => {
    setFormError('');
    try {
      if (user) {
        await update.mutateAsync({ id: user.id, body: { email: v.email, role: v.role, is_active: v.is_active } });
        toast.success(`User ${v.email} saved`);
      } else {
        await create.mutateAsync({
          email: v.email,
          password: v.password,
          account_id: v.account_id,
          role: v.role,
          is_active: v.is_active,
        });
        toast.success(`User ${v.email} created`);
      }
      onClose();
    } catch (e) {
      setFormError(
        applyServerErrors(e, form.setError, ['email', 'password', 'account_id', 'role', 'is_active'], {
          role_id: 'role',
        }),
      );
    }
  });

  return (
    <Dialog
      open={open}
      onClose={close}
      title={user ? `Edit ${user.email}` : 'New user'}
      footer={
        <>
          <Button variant="outline" onClick={close}>
            Cancel
          </Button>
          <Button type="submit" form="user-form" loading={create.isPending || update.isPending}>
            {user ? 'Save' : 'Create user'}
          </Button>
        </>
      }
    >
      <form id="user-form" onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
        <FormError message={formError} />
        <FormField label="Email" htmlFor="user-email" error={errors.email?.message}>
          <Input id="user-email" type="email" autoComplete="off" aria-invalid={!!errors.email} {...form.register('email')} />
        </FormField>
        {!user && (
          <>
            <FormField label="Password" htmlFor="user-password" error={errors.password?.message}>
              <Input id="user-password" type="password" autoComplete="new-password" aria-invalid={!!errors.password} {...form.register('password')} />
            </FormField>
            <PasswordRules password={password} />
            <FormField label="Confirm password" htmlFor="user-confirm" error={errors.confirm?.message}>
              <Input id="user-confirm" type="password" autoComplete="new-password" aria-invalid={!!errors.confirm} {...form.register('confirm')} />
            </FormField>
          </>
        )}
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
          {ownAccount ? (
            <FormField label="Account" htmlFor="user-account" hint="Your own account">
              <Input id="user-account" readOnly value={`${ownAccount.name} (${ownAccount.id})`} />
            </FormField>
          ) : (
            <FormField label="Account" htmlFor="user-account" error={errors.account_id?.message} hint={user ? 'Users cannot move between accounts' : undefined}>
              <Select id="user-account" disabled={!!user} aria-invalid={!!errors.account_id} {...form.register('account_id')}>
                <option value="">Choose…</option>
                {accounts.data?.items.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name} ({a.id})
                  </option>
                ))}
                {user && !accounts.data?.items.some((a) => a.id === user.account_id) && (
                  <option value={user.account_id}>{user.account_name}</option>
                )}
              </Select>
            </FormField>
          )}
          <FormField label="Role" htmlFor="user-role" error={errors.role?.message}>
            <Select id="user-role" aria-invalid={!!errors.role} {...form.register('role')}>
              {roleNames.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </Select>
          </FormField>
        </div>
        <label className="flex items-center gap-2 text-sm">
          <Checkbox {...form.register('is_active')} /> Active
        </label>
      </form>
    </Dialog>
  );
}
