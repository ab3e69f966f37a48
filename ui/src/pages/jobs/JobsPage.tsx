import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { RefreshCw } from 'lucide-react';
import { REFRESH_MS, useCancelJob, useJobs, useJobStats, useRetryJob, type Job } from '@/api/jobs';
import { errorMessage } from '@/lib/api';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { useConfirm } from '@/components/ui/confirm';
import { Pagination } from '@/components/ui/pagination';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { filtersFromParams, filtersToParams, hasFilters, jobQuery, pageCount, type JobFilters } from './job-filters';
import { JobDetailDialog } from './JobDetailDialog';
import { JobStatsCards } from './JobStatsCards';
import { JobsFiltersBar } from './JobsFiltersBar';
import { JobsTable } from './JobsTable';

/** The superadmin's background jobs: counts, filters and page in the URL, a job's detail, retry and cancel. */
export function JobsPage() {
  const [params, setParams] = useSearchParams();
  const filters = filtersFromParams(params);
  const list = useJobs(jobQuery(filters));
  const stats = useJobStats();
  const retry = useRetryJob();
  const cancel = useCancelJob();
  const confirm = useConfirm();
  const toast = useToast();
  const [busy, setBusy] = useState<{ id: string; action: 'retry' | 'cancel' } | null>(null);

  // Built from the live URL, like the audit log: other params (the open job) stay.
  const update = (next: (f: JobFilters) => JobFilters, extra: Record<string, string | null> = {}) => {
    const live = new URLSearchParams(window.location.search);
    const out = filtersToParams(next(filtersFromParams(live)), live);
    for (const [k, v] of Object.entries(extra)) {
      if (v === null) out.delete(k);
      else out.set(k, v);
    }
    setParams(out, { replace: true });
  };
  const setFilters = (changes: Partial<JobFilters>) => update((f) => ({ ...f, ...changes, page: 1 }));

  const onRetry = async (j: Job) => {
    setBusy({ id: j.id, action: 'retry' });
    try {
      await retry.mutateAsync(j.id);
      toast.success(`Job ${j.id} queued again`);
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const onCancel = async (j: Job) => {
    const ok = await confirm({
      title: `Cancel the job ${j.id}?`,
      message: 'The webhook delivery is removed and will not be sent; this cannot be undone.',
      confirmLabel: 'Cancel job',
      danger: true,
    });
    if (!ok) return;
    setBusy({ id: j.id, action: 'cancel' });
    try {
      await cancel.mutateAsync(j.id);
      toast.success('Job cancelled');
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const data = list.data;
  const selected = params.get('job');

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title="Jobs"
        description={`Webhook deliveries and backups; refreshed every ${REFRESH_MS / 1000} s`}
        actions={
          <Button
            variant="outline"
            onClick={() => void Promise.all([list.refetch(), stats.refetch()])}
            loading={list.isFetching || stats.isFetching}
          >
            <RefreshCw className="h-4 w-4" /> Refresh
          </Button>
        }
      />
      {stats.data ? <JobStatsCards stats={stats.data} /> : stats.isError ? <ErrorState error={stats.error} onRetry={() => void stats.refetch()} /> : null}
      <Card>
        <JobsFiltersBar filters={filters} onChange={setFilters} />
        {list.isPending ? (
          <Spinner />
        ) : list.isError || !data ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : data.items.length === 0 ? (
          <div data-testid="jobs-empty">
            <EmptyState title={hasFilters(filters) ? 'No jobs match these filters' : 'No jobs yet'}>
              {!hasFilters(filters) && 'Webhook deliveries and backups show here as they are queued.'}
            </EmptyState>
          </div>
        ) : (
          <>
            <JobsTable
              items={data.items}
              now={list.dataUpdatedAt}
              busy={busy}
              onOpen={(j) => update((f) => f, { job: j.id })}
              onRetry={(j) => void onRetry(j)}
              onCancel={(j) => void onCancel(j)}
            />
            <Pagination
              page={filters.page}
              pageCount={pageCount(data.total)}
              total={data.total}
              noun="jobs"
              onPage={(p) => update((f) => ({ ...f, page: p }))}
            />
          </>
        )}
      </Card>
      <JobDetailDialog id={selected} onClose={() => update((f) => f, { job: null })} />
    </div>
  );
}
