import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ArrowLeftRight, Code2, MoreHorizontal, Pencil, Plus, Search, Shield, Sigma, Table2, Trash2 } from 'lucide-react';
import { useCollections, useDeleteCollection } from '@/api/collections';
import { errorMessage } from '@/lib/api';
import type { CollectionListItem } from '@/lib/types';
import { formatDate } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { useConfirm } from '@/components/ui/confirm';
import { DropdownContent, DropdownItem, DropdownMenu, DropdownTrigger } from '@/components/ui/dropdown';
import { Input } from '@/components/ui/input';
import { Pagination } from '@/components/ui/pagination';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { SortTh, Table, TableContainer, Td, Th, type SortDir } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';

const PAGE_SIZE = 25;

export function CollectionsPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const confirm = useConfirm();
  const toast = useToast();
  const del = useDeleteCollection();
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const sortBy = params.get('sort') ?? 'name';
  const sortDir: SortDir = params.get('dir') === 'desc' ? 'desc' : 'asc';
  const search = params.get('q') ?? '';
  const [searchInput, setSearchInput] = useState(search);
  const list = useCollections({ page, page_size: PAGE_SIZE, sort_by: sortBy, sort_order: sortDir, search });

  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };
  const onSort = (field: string) => set({ sort: field, dir: sortBy === field && sortDir === 'asc' ? 'desc' : 'asc', page: null });

  const onDelete = async (c: CollectionListItem) => {
    const ok = await confirm({
      title: `Delete collection ${c.name}?`,
      message: (
        <>
          Its table and <strong>{c.records_count} records</strong> in every account are deleted for good.
        </>
      ),
      confirmLabel: 'Delete collection',
      danger: true,
      typeToConfirm: c.name,
    });
    if (!ok) return;
    try {
      const res = await del.mutateAsync(c.id);
      toast.success(`Collection ${res.collection_name} deleted with ${res.records_deleted} records`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  return (
    <div>
      <PageHeader
        title="Collections"
        description="Schemas shared by every account; each account has its own records"
        actions={
          <>
            <Button variant="outline" onClick={() => navigate('/collections/transfer')}>
              <ArrowLeftRight className="h-4 w-4" /> Export / import
            </Button>
            <Button onClick={() => navigate('/collections/new')}>
              <Plus className="h-4 w-4" /> New collection
            </Button>
          </>
        }
      />
      <Card>
        <form
          role="search"
          className="flex flex-wrap gap-2 border-b border-border p-3"
          onSubmit={(e) => {
            e.preventDefault();
            set({ q: searchInput.trim(), page: null });
          }}
        >
          <Input
            placeholder="Search collections"
            value={searchInput}
            onChange={(e) => setSearchInput(e.target.value)}
            className="min-w-0 flex-1 sm:max-w-sm"
            aria-label="Search collections"
          />
          <Button type="submit" variant="outline">
            <Search className="h-4 w-4" /> Search
          </Button>
        </form>
        {list.isPending ? (
          <Spinner />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : list.data.items.length === 0 ? (
          <EmptyState title={search ? `No collection matches “${search}”` : 'No collections yet'}>
            <Link to="/collections/new" className="text-primary hover:underline">
              Create the first one
            </Link>
          </EmptyState>
        ) : (
          <>
            <TableContainer>
              <Table data-testid="collections-table">
                <thead>
                  <tr>
                    <SortTh label="Name" field="name" sortBy={sortBy} sortDir={sortDir} onSort={onSort} />
                    <Th>Fields</Th>
                    <Th>Records</Th>
                    <SortTh label="Created" field="created_at" sortBy={sortBy} sortDir={sortDir} onSort={onSort} />
                    <Th className="text-right">Actions</Th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.items.map((c) => (
                    <tr key={c.id} className="hover:bg-muted/40" data-collection={c.name}>
                      <Td className="font-medium">
                        <Link to={`/collections/${c.name}/records`} className="hover:underline">
                          {c.name}
                        </Link>
                        {c.has_public_access && (
                          <span className="ml-2" title="The public role has a permission on it: anonymous callers may use it" data-testid="public-access">
                            <Badge tone="warn">public</Badge>
                          </span>
                        )}
                        <div className="font-mono text-xs text-muted-fg">{c.table_name}</div>
                      </Td>
                      <Td className="tabular-nums">{c.fields_count}</Td>
                      <Td className="tabular-nums">{c.records_count}</Td>
                      <Td className="whitespace-nowrap text-muted-fg">{formatDate(c.created_at)}</Td>
                      <Td className="text-right">
                        <DropdownMenu>
                          <DropdownTrigger asChild>
                            <Button variant="ghost" size="sm" aria-label={`Actions for ${c.name}`}>
                              <MoreHorizontal className="h-4 w-4" />
                            </Button>
                          </DropdownTrigger>
                          <DropdownContent>
                            <DropdownItem onSelect={() => navigate(`/collections/${c.name}/records`)}>
                              <Table2 className="h-3.5 w-3.5" /> Records
                            </DropdownItem>
                            <DropdownItem onSelect={() => navigate(`/collections/${c.name}/aggregate`)}>
                              <Sigma className="h-3.5 w-3.5" /> Aggregate
                            </DropdownItem>
                            <DropdownItem onSelect={() => navigate(`/collections/${c.name}/rules`)}>
                              <Shield className="h-3.5 w-3.5" /> Rules
                            </DropdownItem>
                            <DropdownItem onSelect={() => navigate(`/collections/${c.id}/edit`)}>
                              <Pencil className="h-3.5 w-3.5" /> Edit schema
                            </DropdownItem>
                            <DropdownItem onSelect={() => navigate(`/collections/${c.name}/api`)}>
                              <Code2 className="h-3.5 w-3.5" /> API preview
                            </DropdownItem>
                            <DropdownItem danger onSelect={() => void onDelete(c)}>
                              <Trash2 className="h-3.5 w-3.5" /> Delete
                            </DropdownItem>
                          </DropdownContent>
                        </DropdownMenu>
                      </Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            </TableContainer>
            <Pagination page={page} pageCount={list.data.total_pages} total={list.data.total} noun="collections" onPage={(p) => set({ page: String(p) })} />
          </>
        )}
      </Card>
    </div>
  );
}
