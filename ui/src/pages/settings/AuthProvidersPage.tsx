import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { Building2, Pencil, Plus, Power, Trash2 } from 'lucide-react';
import { useAccountOptions } from '@/api/accounts';
import { useConfigurations, useDeleteConfiguration, useSetConfigurationEnabled, type Configuration, type ConfigScope } from '@/api/configuration';
import { errorMessage } from '@/lib/api';
import { isSuperadmin, useSession } from '@/lib/auth';
import { SYSTEM_ACCOUNT } from '@/lib/types';
import { formatDateTime } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { useConfirm } from '@/components/ui/confirm';
import { Select } from '@/components/ui/input';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import { ProviderDialog } from './ProviderDialog';

/**
 * The OAuth / OpenID Connect login providers. The superadmin manages the
 * system-wide ones (offered to every account) and any account's; an account
 * admin their own account's, which take precedence over a system one of the
 * same provider.
 */
export function AuthProvidersPage() {
  const session = useSession();
  const superadmin = isSuperadmin(session);
  const [params, setParams] = useSearchParams();
  const accounts = useAccountOptions(superadmin);
  const account = superadmin ? (params.get('account') ?? SYSTEM_ACCOUNT) : (session?.account.id ?? '');
  const scope: ConfigScope = superadmin && account === SYSTEM_ACCOUNT ? { system: true } : { system: false, accountId: superadmin ? account : null };
  const list = useConfigurations(scope);
  const setEnabled = useSetConfigurationEnabled();
  const remove = useDeleteConfiguration();
  const confirm = useConfirm();
  const toast = useToast();
  const [dialog, setDialog] = useState<{ editing: Configuration | null } | null>(null);
  const accountItems = (accounts.data?.items ?? []).filter((a) => a.id !== SYSTEM_ACCOUNT);

  const onToggle = async (c: Configuration) => {
    try {
      await setEnabled.mutateAsync({ id: c.id, enabled: !c.enabled });
      toast.success(c.enabled ? `${c.display_name} disabled` : `${c.display_name} enabled`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const onDelete = async (c: Configuration) => {
    const ok = await confirm({
      title: `Delete “${c.display_name}”?`,
      message: 'Users can no longer sign in with this provider here. Its settings and secret are deleted.',
      confirmLabel: 'Delete provider',
      danger: true,
    });
    if (!ok) return;
    try {
      await remove.mutateAsync(c.id);
      toast.success('Provider deleted');
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const items = list.data ?? [];
  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title="Auth providers"
        description={
          superadmin
            ? 'Sign-in with Google, Microsoft, GitHub or any OpenID Connect provider: system-wide, or for one account'
            : "Sign-in with Google, Microsoft, GitHub or any OpenID Connect provider for your account's users"
        }
        actions={
          <Button onClick={() => setDialog({ editing: null })}>
            <Plus className="h-4 w-4" /> Add provider
          </Button>
        }
      />
      <Card>
        {superadmin && (
          <div className="flex flex-wrap gap-2 border-b border-border p-3">
            <label className="flex min-w-0 items-center gap-2 text-sm">
              <Building2 className="h-4 w-4 shrink-0 text-muted-fg" aria-hidden />
              <span className="sr-only">Whose providers</span>
              <Select
                value={account}
                onChange={(e) => setParams(e.target.value === SYSTEM_ACCOUNT ? {} : { account: e.target.value }, { replace: true })}
                className="h-9 min-w-0 sm:w-64"
                aria-label="Whose providers"
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
          <EmptyState title="No auth providers yet">Add one to show a “Continue with …” button on the login page.</EmptyState>
        ) : (
          <TableContainer>
            <Table data-testid="providers-table">
              <thead>
                <tr>
                  <Th>Name</Th>
                  <Th>Provider</Th>
                  <Th>Status</Th>
                  <Th>Updated</Th>
                  <Th className="text-right">Actions</Th>
                </tr>
              </thead>
              <tbody>
                {items.map((c) => (
                  <tr key={c.id} data-id={c.id} data-name={c.display_name} data-enabled={c.enabled} className="hover:bg-muted/40">
                    <Td className="max-w-56 truncate font-medium" title={c.display_name}>
                      {c.display_name} {c.is_default && <Badge tone="primary">default</Badge>}
                    </Td>
                    <Td className="font-mono text-xs">{c.provider_name}</Td>
                    <Td>
                      <Badge tone={c.enabled ? 'success' : 'neutral'}>{c.enabled ? 'enabled' : 'disabled'}</Badge>
                    </Td>
                    <Td className="whitespace-nowrap text-muted-fg">{formatDateTime(c.updated_at)}</Td>
                    <Td className="whitespace-nowrap text-right">
                      <Button variant="ghost" size="sm" aria-label={`Edit ${c.display_name}`} title="Edit" onClick={() => setDialog({ editing: c })}>
                        <Pencil className="h-3.5 w-3.5" />
                      </Button>
                      <Button
                        variant="ghost"
                        size="sm"
                        aria-label={`${c.enabled ? 'Disable' : 'Enable'} ${c.display_name}`}
                        title={c.enabled ? 'Disable' : 'Enable'}
                        onClick={() => void onToggle(c)}
                      >
                        <Power className="h-3.5 w-3.5" />
                      </Button>
                      <Button variant="ghost" size="sm" aria-label={`Delete ${c.display_name}`} title="Delete" onClick={() => void onDelete(c)}>
                        <Trash2 className="h-3.5 w-3.5" />
                      </Button>
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </TableContainer>
        )}
      </Card>
      <ProviderDialog
        open={dialog !== null}
        onClose={() => setDialog(null)}
        editing={dialog?.editing ?? null}
        accountId={superadmin && account !== SYSTEM_ACCOUNT ? account : undefined}
      />
    </div>
  );
}
