import { useState, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { Building2, Plus } from 'lucide-react';
import { useAccountOptions } from '@/api/accounts';
import {
  useConfigurations,
  useDeleteConfiguration,
  useSetConfigurationDefault,
  useSetConfigurationEnabled,
  type Configuration,
  type ConfigScope,
} from '@/api/configuration';
import { errorMessage } from '@/lib/api';
import { isSuperadmin, useSession } from '@/lib/auth';
import type { StorageChange } from '@/lib/storage-providers';
import { SYSTEM_ACCOUNT } from '@/lib/types';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { useConfirm, type ConfirmOptions } from '@/components/ui/confirm';
import { Select } from '@/components/ui/input';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import type { ProviderCopy } from './provider-copy';
import { ProviderDialog } from './ProviderDialog';
import { ProvidersTable } from './ProvidersTable';

interface Props {
  copy: ProviderCopy;
  /** Shown above the list (explanations, what is in use), given the configurations listed. */
  intro?: (items: Configuration[] | undefined) => ReactNode;
  /**
   * The confirmation a change needs, given the configurations listed; null:
   * none (a deletion is still confirmed with the category's message).
   */
  confirmChange?: (change: StorageChange, items: Configuration[]) => ConfirmOptions | null;
  /** Extra badges after a row's name. */
  badges?: (c: Configuration, items: Configuration[]) => ReactNode;
}

/**
 * The configurations of one category (auth, email or storage providers). The
 * superadmin manages the system-wide ones and, unless the category is
 * system-only, any account's; an account admin their own account's.
 */
export function ProviderSettingsPage({ copy, intro, confirmChange, badges }: Props) {
  const session = useSession();
  const superadmin = isSuperadmin(session);
  const chooseAccount = superadmin && !copy.systemOnly;
  const [params, setParams] = useSearchParams();
  const accounts = useAccountOptions(chooseAccount);
  const account = chooseAccount ? (params.get('account') ?? SYSTEM_ACCOUNT) : superadmin ? SYSTEM_ACCOUNT : (session?.account.id ?? '');
  const scope: ConfigScope = superadmin && account === SYSTEM_ACCOUNT ? { system: true } : { system: false, accountId: superadmin ? account : null };
  const list = useConfigurations(copy.category, scope);
  const setEnabled = useSetConfigurationEnabled();
  const setDefault = useSetConfigurationDefault();
  const remove = useDeleteConfiguration();
  const confirm = useConfirm();
  const toast = useToast();
  const [dialog, setDialog] = useState<{ editing: Configuration | null } | null>(null);
  const accountItems = (accounts.data?.items ?? []).filter((a) => a.id !== SYSTEM_ACCOUNT);
  const items = list.data ?? [];

  /** Asks for the confirmation the change needs, if any. */
  const approve = async (change: StorageChange): Promise<boolean> => {
    const options = confirmChange?.(change, items) ?? null;
    return options ? confirm(options) : true;
  };

  const run = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      toast.success(done);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const onToggle = async (c: Configuration) => {
    if (!(await approve({ kind: c.enabled ? 'disable' : 'enable', id: c.id }))) return;
    await run(() => setEnabled.mutateAsync({ id: c.id, enabled: !c.enabled }), c.enabled ? `${c.display_name} disabled` : `${c.display_name} enabled`);
  };

  const onDefault = async (c: Configuration) => {
    if (!(await approve({ kind: 'default', id: c.id, on: !c.is_default }))) return;
    await run(
      () => setDefault.mutateAsync({ id: c.id, isDefault: !c.is_default }),
      c.is_default ? `${c.display_name} is no longer the default` : `${c.display_name} is the default`,
    );
  };

  const onDelete = async (c: Configuration) => {
    const ok = await confirm(
      confirmChange?.({ kind: 'delete', id: c.id }, items) ?? {
        title: `Delete “${c.display_name}”?`,
        message: copy.deleteMessage,
        confirmLabel: copy.deleteLabel,
        danger: true,
      },
    );
    if (!ok) return;
    await run(() => remove.mutateAsync(c.id), copy.deleted);
  };

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title={copy.title}
        description={superadmin ? copy.description.superadmin : copy.description.admin}
        actions={
          <Button onClick={() => setDialog({ editing: null })}>
            <Plus className="h-4 w-4" /> {copy.addLabel}
          </Button>
        }
      />
      {intro?.(list.data)}
      <Card>
        {chooseAccount && (
          <div className="flex flex-wrap gap-2 border-b border-border p-3">
            <label className="flex min-w-0 items-center gap-2 text-sm">
              <Building2 className="h-4 w-4 shrink-0 text-muted-fg" aria-hidden />
              <span className="sr-only">{copy.scopeLabel}</span>
              <Select
                value={account}
                onChange={(e) => setParams(e.target.value === SYSTEM_ACCOUNT ? {} : { account: e.target.value }, { replace: true })}
                className="h-9 min-w-0 sm:w-64"
                aria-label={copy.scopeLabel}
                data-testid="providers-scope"
              >
                <option value={SYSTEM_ACCOUNT}>System-wide (every account)</option>
                {account !== SYSTEM_ACCOUNT && !accountItems.some((a) => a.id === account) && <option value={account}>{account}</option>}
                {accountItems.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name} ({a.id})
                  </option>
                ))}
              </Select>
            </label>
          </div>
        )}
        {list.isPending ? (
          <Spinner />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState title={copy.empty.title}>{copy.empty.body}</EmptyState>
        ) : (
          <ProvidersTable
            items={items}
            onEdit={(c) => setDialog({ editing: c })}
            onToggle={(c) => void onToggle(c)}
            onDelete={(c) => void onDelete(c)}
            onDefault={copy.defaults ? (c) => void onDefault(c) : undefined}
            badges={badges ? (c) => badges(c, items) : undefined}
          />
        )}
      </Card>
      <ProviderDialog
        copy={copy}
        open={dialog !== null}
        onClose={() => setDialog(null)}
        editing={dialog?.editing ?? null}
        accountId={chooseAccount && account !== SYSTEM_ACCOUNT ? account : undefined}
        beforeSave={confirmChange ? approve : undefined}
      />
    </div>
  );
}
