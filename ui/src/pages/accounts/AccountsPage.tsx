import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Pencil, Plus, Search, Trash2 } from 'lucide-react';
import { useAccounts } from '@/api/accounts';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Pagination } from '@/components/ui/pagination';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { SortTh, Table, TableContainer, Td, Th, type SortDir } from '@/components/ui/table';
import { SYSTEM_ACCOUNT, type AccountListItem } from '@/lib/types';
import { formatDate } from '@/lib/utils';
import { AccountFormDialog } from './AccountFormDialog';
import { useDeleteAccountFlow } from './useDeleteAccountFlow';

const PAGE_SIZE = 25;

export function AccountsPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const sortBy = params.get('sort') ?? 'created_at';
  const sortDir: SortDir = params.get('dir') === 'asc' ? 'asc' : 'desc';
  const search = params.get('q') ?? '';
  const [searchInput, setSearchInput] = useState(search);
  const [editing, setEditing] = useState<AccountListItem | null>(null);
  const creating = params.get('new') === '1';
  const deleteFlow = useDeleteAccountFlow();

  const list = useAccounts({ page, page_size: PAGE_SIZE, sort_by: sortBy, sort_order: sortDir, search });

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };

  const onSort = (field: string) => {
    const dir = sortBy === field && sortDir === 'asc' ? 'desc' : 'asc';
    update({ sort: field, dir, page: null });
  };

  const sortProps = { sortBy, sortDir, onSort };

  return (
    <div>
      <PageHeader
        title="Accounts"
        description="Tenants: each has its own users and records"
        actions={
          <Button onClick={() => update({ new: '1' })}>
            <Plus className="h-4 w-4" /> New account
          </Button>
        }
      />
      <Card>
        <form
          className="flex flex-wrap gap-2 border-b border-border p-3"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            update({ q: searchInput.trim(), page: null });
          }}
        >
          <Input
            placeholder="Search by name, slug or code"
            value={searchInput}
            onChange={(e) => setSearchInput(e.target.value)}
            className="min-w-0 flex-1 sm:max-w-sm"
            aria-label="Search accounts"
          />
          <Button type="submit" variant="outline">
            <Search className="h-4 w-4" /> Search
          </Button>
          {search && (
            <Button
              variant="ghost"
              onClick={() => {
                setSearchInput('');
                update({ q: null, page: null });
              }}
            >
              Clear
            </Button>
          )}
        </form>
        {list.isPending ? (
          <Spinner />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : list.data.items.length === 0 ? (
          <EmptyState title={search ? `No account matches “${search}”` : 'No accounts yet'} />
        ) : (
          <>
            <TableContainer>
              <Table data-testid="accounts-table">
                <thead>
                  <tr>
                    <SortTh label="Code" field="id" {...sortProps} />
                    <SortTh label="Name" field="name" {...sortProps} />
                    <SortTh label="Slug" field="slug" {...sortProps} />
                    <Th>Users</Th>
                    <Th>Status</Th>
                    <SortTh label="Created" field="created_at" {...sortProps} />
                    <Th className="text-right">Actions</Th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.items.map((a) => (
                    <tr key={a.id} className="hover:bg-muted/40">
                      <Td className="font-mono text-xs">{a.id}</Td>
                      <Td className="max-w-60 truncate font-medium">
                        <Link to={`/accounts/${a.id}`} className="hover:underline">
                          {a.name}
                        </Link>
                      </Td>
                      <Td className="text-muted-fg">{a.slug}</Td>
                      <Td className="tabular-nums">{a.user_count}</Td>
                      <Td>
                        <Badge tone={a.status === 'active' ? 'success' : 'neutral'}>{a.status}</Badge>
                      </Td>
                      <Td className="whitespace-nowrap text-muted-fg">{formatDate(a.created_at)}</Td>
                      <Td className="whitespace-nowrap text-right">
                        <Button variant="ghost" size="sm" onClick={() => setEditing(a)} aria-label={`Edit ${a.name}`}>
                          <Pencil className="h-3.5 w-3.5" />
                        </Button>
                        {a.id !== SYSTEM_ACCOUNT && (
                          <Button variant="ghost" size="sm" onClick={() => void deleteFlow(a)} aria-label={`Delete ${a.name}`}>
                            <Trash2 className="h-3.5 w-3.5 text-danger" />
                          </Button>
                        )}
                      </Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            </TableContainer>
            <Pagination
              page={page}
              pageCount={list.data.total_pages}
              total={list.data.total}
              noun="accounts"
              onPage={(p) => update({ page: String(p) })}
            />
          </>
        )}
      </Card>
      <AccountFormDialog
        open={creating}
        onClose={() => update({ new: null })}
        onCreated={(a) => navigate(`/accounts/${a.id}`)}
      />
      <AccountFormDialog open={editing !== null} onClose={() => setEditing(null)} account={editing ?? undefined} />
    </div>
  );
}
