import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { Building2, Plus, XCircle } from 'lucide-react';
import { useAccountOptions } from '@/api/accounts';
import { useApiKeys, useRevokeApiKey } from '@/api/apiKeys';
import { errorMessage } from '@/lib/api';
import { apiKeyStatus, scopeLabel, STATUS_TONES } from '@/lib/api-keys';
import { isSuperadmin, useSession } from '@/lib/auth';
import type { ApiKey } from '@/lib/types';
import { formatDateTime, shortId } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { useConfirm } from '@/components/ui/confirm';
import { Select } from '@/components/ui/input';
import { Pagination } from '@/components/ui/pagination';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import { CreateApiKeyDialog } from './CreateApiKeyDialog';

export const API_KEYS_PAGE = 20;

export function ApiKeysPage() {
  const session = useSession();
  const superadmin = isSuperadmin(session);
  const [params, setParams] = useSearchParams();
  const accounts = useAccountOptions(superadmin);
  const accountFilter = superadmin ? (params.get('account') ?? '') : '';
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const list = useApiKeys({ limit: API_KEYS_PAGE, offset: (page - 1) * API_KEYS_PAGE, accountId: accountFilter || null });
  const revoke = useRevokeApiKey();
  const confirm = useConfirm();
  const toast = useToast();
  const [creating, setCreating] = useState(false);
  const accountItems = accounts.data?.items ?? [];
  const accountName = (id: string) => accountItems.find((a) => a.id === id)?.name;

  const set = (patch: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };

  const onRevoke = async (k: ApiKey) => {
    const ok = await confirm({
      title: `Revoke the key “${k.name}”?`,
      message: `Requests made with ${k.prefix} are refused from now on. The key stays listed as revoked; this cannot be undone.`,
      confirmLabel: 'Revoke key',
      danger: true,
    });
    if (!ok) return;
    try {
      await revoke.mutateAsync(k.id);
      toast.success('API key revoked');
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const total = list.data?.total ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / API_KEYS_PAGE));
  const items = list.data?.items ?? [];

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title="API keys"
        description={
          superadmin ? 'Keys that let programs call the API as an account' : 'Keys that let programs call the API as your account'
        }
        actions={
          <Button onClick={() => setCreating(true)}>
            <Plus className="h-4 w-4" /> Create key
          </Button>
        }
      />
      <Card>
        {superadmin && (
          <div className="flex flex-wrap gap-2 border-b border-border p-3">
            <label className="flex min-w-0 items-center gap-2 text-sm">
              <Building2 className="h-4 w-4 shrink-0 text-muted-fg" aria-hidden />
              <span className="sr-only">Filter by account</span>
              <Select
                value={accountFilter}
                onChange={(e) => set({ account: e.target.value, page: null })}
                className="h-9 min-w-0 sm:w-64"
                aria-label="Filter by account"
                data-testid="api-keys-account-filter"
              >
                <option value="">All accounts</option>
                {accountFilter && !accountItems.some((a) => a.id === accountFilter) && <option value={accountFilter}>{accountFilter}</option>}
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
        ) : items.length === 0 && page === 1 ? (
          <EmptyState title="No API keys yet">
            {accountFilter ? 'This account has no keys. ' : ''}Create one to call the API from a program with the X-API-Key header.
          </EmptyState>
        ) : (
          <>
            <TableContainer>
              <Table data-testid="api-keys-table">
                <thead>
                  <tr>
                    <Th>Name</Th>
                    <Th>Key</Th>
                    <Th>Role</Th>
                    <Th>Collections</Th>
                    {superadmin && <Th>Account</Th>}
                    <Th>Created by</Th>
                    <Th>Last used</Th>
                    <Th>Expires</Th>
                    <Th>Status</Th>
                    <Th className="text-right">Actions</Th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((k) => {
                    const status = apiKeyStatus(k);
                    return (
                      <tr key={k.id} data-id={k.id} data-name={k.name} data-status={status} className="hover:bg-muted/40">
                        <Td className="max-w-48 truncate font-medium" title={k.name}>
                          {k.name}
                        </Td>
                        <Td className="whitespace-nowrap font-mono text-xs" data-testid="api-key-masked">
                          {k.key || `${k.prefix}.••••`}
                        </Td>
                        <Td>{k.role}</Td>
                        <Td
                          className={`max-w-48 truncate ${k.collections ? '' : 'text-muted-fg'}`}
                          title={scopeLabel(k.collections)}
                          data-testid="api-key-scope"
                        >
                          {scopeLabel(k.collections)}
                        </Td>
                        {superadmin && (
                          <Td className="max-w-48 truncate" title={k.account_id}>
                            {accountName(k.account_id) ? `${accountName(k.account_id)} (${k.account_id})` : k.account_id}
                          </Td>
                        )}
                        <Td className="max-w-48 truncate text-muted-fg" title={k.created_by_email ?? k.created_by}>
                          {k.created_by_email ?? shortId(k.created_by)}
                        </Td>
                        <Td className="whitespace-nowrap text-muted-fg">{k.last_used_at ? formatDateTime(k.last_used_at) : 'Never'}</Td>
                        <Td className="whitespace-nowrap text-muted-fg">{k.expires_at ? formatDateTime(k.expires_at) : 'Never'}</Td>
                        <Td>
                          <Badge tone={STATUS_TONES[status]}>{status}</Badge>
                        </Td>
                        <Td className="whitespace-nowrap text-right">
                          {!k.revoked_at && (
                            <Button variant="ghost" size="sm" aria-label={`Revoke ${k.name}`} title="Revoke" onClick={() => void onRevoke(k)}>
                              <XCircle className="h-3.5 w-3.5" />
                            </Button>
                          )}
                        </Td>
                      </tr>
                    );
                  })}
                </tbody>
              </Table>
            </TableContainer>
            <Pagination page={page} pageCount={pageCount} total={total} noun="keys" onPage={(p) => set({ page: p > 1 ? String(p) : null })} />
          </>
        )}
      </Card>
      <CreateApiKeyDialog
        open={creating}
        onClose={() => setCreating(false)}
        superadmin={superadmin}
        accounts={accountItems}
        defaultAccount={accountFilter}
      />
    </div>
  );
}
