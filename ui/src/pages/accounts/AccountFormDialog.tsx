import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useAccountOptions, useCreateAccount, useUpdateAccount } from '@/api/accounts';
import { defaultChoiceLabel, fromChoice, serverDefaultFrom, toChoice } from '@/lib/auth-flows';
import { applyServerErrors } from '@/lib/form-errors';
import { useGuardedClose } from '@/lib/use-unsaved-guard';
import type { AccountDetail } from '@/lib/types';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Input, Select } from '@/components/ui/input';
import { FormError, FormField } from '@/components/ui/form-field';
import { useToast } from '@/components/ui/toast';

const schema = z.object({
  name: z.string().trim().min(1, 'Name is required').max(255, 'Name must be 1 to 255 characters'),
  slug: z
    .string()
    .trim()
    .refine((s) => s === '' || (s.length >= 3 && s.length <= 32), 'Slug must be 3 to 32 characters')
    .refine((s) => s === '' || /^[a-z0-9-]+$/.test(s), 'Slug may only contain lowercase letters, digits and hyphens'),
  verification: z.enum(['default', 'required', 'not_required']),
  adminMfa: z.boolean(),
});
type Values = z.infer<typeof schema>;

interface Props {
  open: boolean;
  onClose: () => void;
  /** Edit this account; create a new one when absent. */
  account?: Pick<AccountDetail, 'id' | 'name' | 'slug' | 'require_email_verification' | 'require_admin_mfa'>;
  onCreated?: (account: AccountDetail) => void;
}

export function AccountFormDialog({ open, onClose, account, onCreated }: Props) {
  const toast = useToast();
  const create = useCreateAccount();
  const update = useUpdateAccount();
  // The server default shows through the accounts that follow it.
  const accounts = useAccountOptions(open && !!account);
  const serverDefault = serverDefaultFrom(accounts.data?.items);
  const [formError, setFormError] = useState('');
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { name: '', slug: '', verification: 'default', adminMfa: false } });
  const { errors, isDirty } = form.formState;

  useEffect(() => {
    if (open) {
      form.reset({
        name: account?.name ?? '',
        slug: account?.slug ?? '',
        verification: toChoice(account?.require_email_verification),
        adminMfa: account?.require_admin_mfa === true,
      });
      setFormError('');
    }
  }, [open, account, form]);

  const close = useGuardedClose(isDirty, onClose);

  const onSubmit = form.handleSubmit(async ({ name, slug, verification, adminMfa }) => {
    setFormError('');
    try {
      if (account) {
        const require = fromChoice(verification);
        await update.mutateAsync({ id: account.id, name, require_email_verification: require, require_admin_mfa: adminMfa });
        const renamed = name !== account.name;
        if (require !== (account.require_email_verification ?? null) || adminMfa !== (account.require_admin_mfa === true) || !renamed) toast.success(`Account ${name} saved`);
        else toast.success(`Account renamed to “${name}”`);
      } else {
        const created = await create.mutateAsync({ name, slug: slug || undefined });
        toast.success(`Account ${created.name} (${created.id}) created`);
        onCreated?.(created);
      }
      onClose();
    } catch (e) {
      setFormError(applyServerErrors(e, form.setError, ['name', 'slug', 'verification'], { require_email_verification: 'verification' }));
    }
  });

  return (
    <Dialog
      open={open}
      onClose={close}
      title={account ? `Edit ${account.id}` : 'New account'}
      description={account ? 'The code and slug never change.' : 'The slug is made from the name when left empty.'}
      footer={
        <>
          <Button variant="outline" onClick={close}>
            Cancel
          </Button>
          <Button type="submit" form="account-form" loading={create.isPending || update.isPending}>
            {account ? 'Save' : 'Create account'}
          </Button>
        </>
      }
    >
      <form id="account-form" onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
        <FormError message={formError} />
        <FormField label="Name" htmlFor="account-name" error={errors.name?.message}>
          <Input id="account-name" autoFocus aria-invalid={!!errors.name} {...form.register('name')} />
        </FormField>
        <FormField
          label="Slug"
          htmlFor="account-slug"
          error={errors.slug?.message}
          hint={account ? 'Read-only' : 'Optional: lowercase letters, digits and hyphens'}
        >
          <Input id="account-slug" readOnly={!!account} disabled={!!account} aria-invalid={!!errors.slug} {...form.register('slug')} />
        </FormField>
        {account && (
          <FormField
            label="Require a verified email to sign in"
            htmlFor="account-verification"
            error={errors.verification?.message}
            hint="Users whose address is not verified cannot sign in while this is on."
          >
            <Select id="account-verification" aria-invalid={!!errors.verification} {...form.register('verification')}>
              <option value="default">{defaultChoiceLabel(serverDefault)}</option>
              <option value="required">Required</option>
              <option value="not_required">Not required</option>
            </Select>
          </FormField>
        )}
        {account && (
          <label className="flex items-start gap-2 text-sm" htmlFor="account-admin-mfa">
            <input id="account-admin-mfa" type="checkbox" className="mt-0.5" {...form.register('adminMfa')} />
            <span>
              Require two-factor authentication for admins
              <span className="block text-xs text-muted-fg">Admins without it set it up at their next sign-in.</span>
            </span>
          </label>
        )}
      </form>
    </Dialog>
  );
}
