import { useSearchParams } from 'react-router';
import { RefreshCw, ShieldCheck } from 'lucide-react';
import { useAuditLogs, useVerifyAudit } from '@/api/audit';
import { errorMessage } from '@/lib/api';
import { filtersFromParams, filtersToParams, hasFilters, pageCount, pageOf, skipForPage, type AuditFilters, type FilterKey } from '@/lib/audit';
import { isSuperadmin, useSession } from '@/lib/auth';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Pagination } from '@/components/ui/pagination';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { AuditDetailDialog } from './AuditDetailDialog';
import { AuditFiltersBar } from './AuditFiltersBar';
import { AuditTable } from './AuditTable';
import { AuditTabs } from './AuditTabs';
import { DisabledNotice } from './DisabledNotice';
import { ExportButtons } from './ExportButtons';
import { VerifyReport } from './VerifyReport';

/** The audit trail: filters, sort and page in the URL; an entry's detail; verify and export. */
export function AuditLogsPage() {
  const [params, setParams] = useSearchParams();
  const superadmin = isSuperadmin(useSession());
  const toast = useToast();
  const filters = filtersFromParams(params);
  const list = useAuditLogs(filters);
  const verify = useVerifyAudit();

  // Built from the live URL, not this render's params: a debounced text filter
  // commits later and must not undo a filter chosen meanwhile.
  const update = (next: (f: AuditFilters) => AuditFilters, extra: Record<string, string | null> = {}) => {
    const live = new URLSearchParams(window.location.search);
    const out = filtersToParams(next(filtersFromParams(live)), live);
    for (const [k, v] of Object.entries(extra)) {
      if (v === null) out.delete(k);
      else out.set(k, v);
    }
    setParams(out, { replace: true });
  };
  const setFilters = (changes: Partial<Record<FilterKey, string>>) => update((f) => ({ ...f, ...changes, skip: 0 }));
  const onSort = (field: AuditFilters['sort_by']) =>
    update((f) => ({ ...f, sort_by: field, sort_order: f.sort_by === field && f.sort_order === 'desc' ? 'asc' : 'desc', skip: 0 }));

  const runVerify = () =>
    verify.mutate(superadmin ? filters.account_id || null : null, {
      onError: (e) => toast.error(errorMessage(e)),
    });

  const selected = params.get('entry');
  const data = list.data;
  const page = pageOf(filters.skip, filters.limit);

  return (
    <div>
      <PageHeader
        title="Audit logs"
        description="Every change, who made it and when; chained by hash so that tampering shows"
        actions={
          <>
            <ExportButtons filters={filters} />
            <Button variant="outline" onClick={runVerify} loading={verify.isPending}>
              {!verify.isPending && <ShieldCheck className="h-4 w-4" />} Verify chain
            </Button>
            <Button variant="outline" onClick={() => void list.refetch()} loading={list.isFetching} aria-label="Refresh">
              {!list.isFetching && <RefreshCw className="h-4 w-4" />}
            </Button>
          </>
        }
      />
      {superadmin && <AuditTabs />}
      {data && !data.audit_logging_enabled && <DisabledNotice />}
      {verify.data && (
        <div className="mb-4">
          <VerifyReport report={verify.data} onClose={() => verify.reset()} />
        </div>
      )}
      <Card>
        <AuditFiltersBar filters={filters} superadmin={superadmin} onChange={setFilters} />
        {list.isPending ? (
          <Spinner />
        ) : list.isError || !data ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : data.items.length === 0 ? (
          <EmptyState title={hasFilters(filters) ? 'No entries match these filters' : 'No audit entries yet'} />
        ) : (
          <>
            <AuditTable items={data.items} filters={filters} onSort={onSort} onOpen={(id) => update((f) => f, { entry: String(id) })} />
            <Pagination
              page={page}
              pageCount={pageCount(data.total, filters.limit)}
              total={data.total}
              noun="entries"
              onPage={(p) => update((f) => ({ ...f, skip: skipForPage(p, f.limit) }))}
            />
          </>
        )}
      </Card>
      <AuditDetailDialog id={selected} onClose={() => update((f) => f, { entry: null })} />
    </div>
  );
}
