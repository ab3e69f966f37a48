import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ArrowLeft, Code2, Copy, Pencil, Plus, RefreshCw, Trash2 } from 'lucide-react';
import { useCollectionByName } from '@/api/collections';
import { useBulkDeleteRecords, useDeleteRecord, useRecords } from '@/api/records';
import { ApiError, errorMessage } from '@/lib/api';
import { canReadSchemas, isAdmin, useSession } from '@/lib/auth';
import { historyHref } from '@/lib/audit';
import { filterError } from '@/lib/expression';
import { useRealtimeRecords } from '@/lib/use-realtime';
import type { RecordItem } from '@/lib/types';
import { SYSTEM_FIELDS } from '@/lib/types';
import { copyText, shortId } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { useConfirm } from '@/components/ui/confirm';
import { Pagination } from '@/components/ui/pagination';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { AccountPicker } from './AccountPicker';
import { ColumnToggle, useColumns } from './ColumnToggle';
import { JsonRecordDialog } from './JsonRecordDialog';
import { LiveIndicator } from './LiveIndicator';
import { RecordFilters } from './RecordFilters';
import { RecordSearch } from './RecordSearch';
import { CollectionTabs } from '../collections/CollectionTabs';
import { RecordFormDialog } from './RecordFormDialog';
import { rememberCollection } from './RecordsIndexPage';
import { RecordsTable, type Sort } from './RecordsTable';
import { RecordViewDialog, recordJson } from './RecordViewDialog';
import { recordLabel } from './record-display';
import { RecordFilesProvider } from './record-files';
import { useRecordAccount } from './useRecordAccount';

const LIMIT = 25;

export function RecordsPage() {
  const { name = '' } = useParams();
  const navigate = useNavigate();
  const toast = useToast();
  const confirm = useConfirm();
  const [params, setParams] = useSearchParams();
  const { superadmin, accountId, accounts, setAccount, ready } = useRecordAccount();
  const session = useSession();
  const readsSchemas = canReadSchemas(session);
  // Account admins and the superadmin read the audit trail.
  const readsAudit = isAdmin(session);
  const collection = useCollectionByName(name, readsSchemas);
  const schema = collection.data?.schema;
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const search = params.get('q') ?? '';
  // A search without a chosen sort is ranked by relevance (no sort= sent).
  const sortParam = params.get('sort') ?? (search ? '' : '-created_at');
  const sort: Sort = sortParam.startsWith('-') ? { field: sortParam.slice(1), dir: 'desc' } : { field: sortParam, dir: 'asc' };
  const filter = params.get('filter') ?? '';
  const searchable = schema ? schema.filter((f) => f.searchable).map((f) => f.name) : null;
  // Without the schema (plain users) the box is offered and the server says if search is not possible.
  const canSearch = searchable === null ? !readsSchemas || collection.isError : searchable.length > 0;
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<RecordItem | null>(null);
  const [creating, setCreating] = useState(false);
  const [viewing, setViewing] = useState<RecordItem | null>(null);
  const del = useDeleteRecord();
  const bulk = useBulkDeleteRecords();

  const refs = schema?.filter((f) => f.type === 'reference').map((f) => f.name) ?? [];
  const records = useRecords(name, accountId, {
    skip: (page - 1) * LIMIT,
    limit: LIMIT,
    sort: sortParam,
    filter,
    expand: refs.length ? refs.join(',') : undefined,
    search: canSearch ? search : undefined,
  }, ready && (!readsSchemas || !collection.isPending));
  // Queries wait for the superadmin's account choice.
  const items = useMemo(() => (ready ? (records.data?.items ?? []) : []), [ready, records.data]);

  const fieldNames = useMemo(() => {
    if (schema) return schema.map((f) => f.name);
    const sys = new Set<string>([...SYSTEM_FIELDS, 'expand']);
    return Array.from(new Set(items.flatMap((r) => Object.keys(r)).filter((k) => !sys.has(k))));
  }, [schema, items]);
  const columns = useColumns(name, fieldNames);

  useEffect(() => {
    rememberCollection(name);
    setSelected(new Set());
  }, [name, accountId, page, sortParam, filter, search]);

  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };
  const onSort = (field: string) => set({ sort: sort.field === field && sort.dir === 'asc' ? `-${field}` : field, page: null });

  const onDelete = async (r: RecordItem) => {
    const ok = await confirm({
      title: 'Delete this record?',
      message: (
        <>
          “{recordLabel(r, schema)}” (<span className="font-mono">{shortId(r.id)}</span>) is deleted for good.
        </>
      ),
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!ok) return;
    try {
      await del.mutateAsync({ collection: name, accountId, id: r.id });
      toast.success('Record deleted');
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const onBulkDelete = async () => {
    const ids = [...selected];
    const ok = await confirm({
      title: `Delete ${ids.length} records?`,
      message: 'All of them are deleted in one step, or none if one cannot be.',
      confirmLabel: `Delete ${ids.length}`,
      danger: true,
    });
    if (!ok) return;
    try {
      const res = await bulk.mutateAsync({ collection: name, accountId, ids });
      toast.success(`${res.count} records deleted`);
      setSelected(new Set());
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const notFound = collection.isSuccess && collection.data === null;
  // Changes made elsewhere (other consoles, apps, the API) show up without a reload.
  const live = useRealtimeRecords(name, accountId, ready && !notFound && (!readsSchemas || !collection.isPending));

  const copy = (text: string, what: string) => void copyText(text).then(() => toast.success(`${what} copied as JSON`));
  const total = records.data?.total ?? items.length;
  const pageCount = Math.max(1, Math.ceil(total / LIMIT));
  const badFilter = records.error instanceof ApiError && records.error.status === 422 ? filterError(records.error.details) : null;
  const badSearch = records.error instanceof ApiError && records.error.status === 422 ? (records.error.details.find((d) => d.field === 'search') ?? null) : null;

  return (
    <RecordFilesProvider collection={name} accountId={accountId} hasFiles={schema?.some((f) => f.type === 'file') ?? false}>
      <div className="flex flex-col gap-4">
        <PageHeader
          back={
            <Link to={superadmin ? '/collections' : '/records'} className="mb-1 inline-flex items-center gap-1 text-xs text-muted-fg hover:text-fg">
              <ArrowLeft className="h-3 w-3" /> {superadmin ? 'Collections' : 'Records'}
            </Link>
          }
          title={name}
          description={superadmin ? 'Records of the chosen account' : 'Records of your account'}
          actions={
            <>
              {superadmin && <AccountPicker accounts={accounts} value={accountId} onChange={setAccount} />}
              {superadmin && collection.data && (
                <>
                  <Button variant="outline" onClick={() => navigate(`/collections/${name}/api`)} aria-label="API preview">
                    <Code2 className="h-4 w-4" /> <span className="hidden md:inline">API</span>
                  </Button>
                  <Button variant="outline" onClick={() => navigate(`/collections/${collection.data?.id}/edit`)} aria-label="Edit schema">
                    <Pencil className="h-4 w-4" /> <span className="hidden md:inline">Schema</span>
                  </Button>
                </>
              )}
              <Button onClick={() => setCreating(true)} disabled={notFound || (readsSchemas && !schema && !collection.isError)}>
                <Plus className="h-4 w-4" /> New record
              </Button>
            </>
          }
        />
        {!notFound && (
          <CollectionTabs name={name} accountId={accountId} />
        )}
        {notFound ? (
          <Card>
            <EmptyState title={`No collection named “${name}”`}>
              <Link to="/collections" className="text-primary hover:underline">
                See all collections
              </Link>
            </EmptyState>
          </Card>
        ) : (
          <Card>
            <div className="flex flex-wrap items-start justify-between gap-2 border-b border-border p-3">
              <div className="flex min-w-0 flex-1 flex-col gap-2">
                {canSearch && (
                  <RecordSearch
                    search={search}
                    fields={searchable}
                    ranked={Boolean(search) && !params.get('sort')}
                    error={badSearch?.message}
                    onChange={(q) => set({ q: q || null, page: null })}
                  />
                )}
                <RecordFilters fields={schema ? fieldNames : []} filter={filter} error={badFilter} onChange={(f) => set({ filter: f || null, page: null })} />
              </div>
              <div className="flex flex-wrap gap-2">
                {selected.size > 0 && (
                  <>
                    <Button variant="outline" onClick={() => copy(JSON.stringify(items.filter((r) => selected.has(r.id)).map((r) => JSON.parse(recordJson(r)) as unknown), null, 2), `${selected.size} records`)}>
                      <Copy className="h-4 w-4" /> <span className="hidden sm:inline">Copy</span>
                    </Button>
                    <Button variant="danger" onClick={() => void onBulkDelete()} loading={bulk.isPending} data-testid="bulk-delete">
                      <Trash2 className="h-4 w-4" /> Delete {selected.size}
                    </Button>
                  </>
                )}
                <LiveIndicator status={live} />
                <ColumnToggle fields={fieldNames} hidden={columns.hidden} onToggle={columns.toggle} />
                <Button variant="outline" size="icon" onClick={() => void records.refetch()} aria-label="Refresh">
                  <RefreshCw className={records.isFetching ? 'h-4 w-4 animate-spin' : 'h-4 w-4'} />
                </Button>
              </div>
            </div>
            {!ready || records.isPending ? (
              <Spinner />
            ) : badFilter ? (
              <EmptyState title="Fix the filter to see records" />
            ) : badSearch ? (
              <EmptyState title="Search is not possible here" />
            ) : records.isError ? (
              <ErrorState error={records.error} onRetry={() => void records.refetch()} />
            ) : items.length === 0 ? (
              <EmptyState title={search ? `No records match “${search}”` : filter ? 'No records match these filters' : 'No records yet'} />
            ) : (
              <>
                <RecordsTable
                  items={items}
                  columns={columns.visibleFields}
                  systemColumns={columns.visibleSystem}
                  schema={schema}
                  sort={sort}
                  onSort={onSort}
                  selected={selected}
                  onSelect={(id, on) => setSelected((s) => { const n = new Set(s); if (on) n.add(id); else n.delete(id); return n; })}
                  onSelectAll={(on) => setSelected(on ? new Set(items.map((r) => r.id)) : new Set())}
                  onView={setViewing}
                  onEdit={setEditing}
                  onCopy={(r) => copy(recordJson(r), 'Record')}
                  onDelete={(r) => void onDelete(r)}
                  onHistory={readsAudit ? (r) => navigate(historyHref(name, r.id)) : undefined}
                />
                <Pagination page={page} pageCount={pageCount} total={total} noun="records" onPage={(p) => set({ page: String(p) })} />
              </>
            )}
          </Card>
        )}
        {schema ? (
          <>
            <RecordFormDialog open={creating} onClose={() => setCreating(false)} collection={name} schema={schema} accountId={accountId} />
            <RecordFormDialog open={editing !== null} onClose={() => setEditing(null)} collection={name} schema={schema} accountId={accountId} record={editing} />
          </>
        ) : (
          <>
            <JsonRecordDialog open={creating} onClose={() => setCreating(false)} collection={name} accountId={accountId} />
            <JsonRecordDialog open={editing !== null} onClose={() => setEditing(null)} collection={name} accountId={accountId} record={editing} />
          </>
        )}
        <RecordViewDialog
          record={viewing}
          schema={schema}
          onClose={() => setViewing(null)}
          onEdit={(r) => {
            setViewing(null);
            setEditing(r);
          }}
        />
      </div>
    </RecordFilesProvider>
  );
}
