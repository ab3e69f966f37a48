// Jobs (`/admin/jobs…`, superadmin only): the server's background work seen
// as jobs (webhook deliveries and backups), their counts, and retrying or
// cancelling one.

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';

export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'retrying', 'dead'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JOB_QUEUES = ['webhooks', 'backups'] as const;
export type JobQueue = (typeof JOB_QUEUES)[number];

export type JobHandler = 'webhook.deliver' | 'backup.create';

/** One job: `webhook-<delivery id>` or `backup-<backup id>`. */
export interface Job {
  id: string;
  queue: JobQueue;
  handler: JobHandler;
  /** Webhooks: `{delivery_id, webhook_id, event}`; backups: `{backup_id, file_name, trigger}`. */
  payload: Record<string, unknown>;
  status: JobStatus;
  priority: number;
  /** When a waiting delivery runs next. */
  run_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  failed_at: string | null;
  error_message: string | null;
  /** Attempts made so far. */
  attempt_number: number;
  /** Webhooks: the attempts a delivery gets; backups: 0 (never retried). */
  max_retries: number;
  retry_delay_seconds: number;
  created_at: string;
  created_by: string | null;
  account_id: string | null;
}

/** `GET /admin/jobs`: newest first. */
export interface JobPage {
  items: Job[];
  total: number;
}

/** Counts by status across every queue. */
export interface JobStats extends Record<JobStatus, number> {
  /** Mean time from creation to completion, seconds; null before any completed. */
  avg_duration_seconds: number | null;
  /** (failed + dead) / finished, 0..1; null before any finished. */
  failure_rate: number | null;
}

/** What `GET /admin/jobs` is asked for; empty filters are left out. */
export interface JobQuery {
  status?: JobStatus | '';
  queue?: JobQueue | '';
  limit: number;
  offset: number;
}

/** The list, its counts and an open job reload this often while the page is visible. */
export const REFRESH_MS = 5000;

const KEY = ['jobs'];

// refetchIntervalInBackground stays false: a hidden tab does not poll.
export function useJobs(query: JobQuery) {
  return useQuery({
    queryKey: [...KEY, 'list', query],
    queryFn: ({ signal }) => api.get<JobPage>('/admin/jobs', { query: { ...query }, signal }),
    placeholderData: keepPreviousData,
    refetchInterval: REFRESH_MS,
  });
}

export function useJobStats() {
  return useQuery({
    queryKey: [...KEY, 'stats'],
    queryFn: ({ signal }) => api.get<JobStats>('/admin/jobs/stats', { signal }),
    refetchInterval: REFRESH_MS,
  });
}

export function useJob(id: string | null) {
  return useQuery({
    queryKey: [...KEY, 'one', id],
    queryFn: ({ signal }) => api.get<Job>(`/admin/jobs/${encodeURIComponent(id ?? '')}`, { signal }),
    enabled: Boolean(id),
    refetchInterval: REFRESH_MS,
  });
}

/**
 * `POST /admin/jobs/{id}/retry`: a dead or retrying job runs again now, with a
 * fresh set of attempts. The returned job (pending) replaces the row at once.
 */
export function useRetryJob() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post<Job>(`/admin/jobs/${encodeURIComponent(id)}/retry`),
    onSuccess: (job) => {
      qc.setQueriesData<JobPage>({ queryKey: [...KEY, 'list'] }, (page) =>
        page ? { ...page, items: page.items.map((j) => (j.id === job.id ? job : j)) } : page,
      );
      qc.setQueryData<Job>([...KEY, 'one', job.id], job);
    },
    onSettled: () => qc.invalidateQueries({ queryKey: KEY }),
  });
}

/** `DELETE /admin/jobs/{id}`: removes a pending or retrying webhook delivery before it is sent. */
export function useCancelJob() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.del<void>(`/admin/jobs/${encodeURIComponent(id)}`),
    onSuccess: (_, id) => {
      qc.setQueriesData<JobPage>({ queryKey: [...KEY, 'list'] }, (page) =>
        page && page.items.some((j) => j.id === id)
          ? { items: page.items.filter((j) => j.id !== id), total: Math.max(0, page.total - 1) }
          : page,
      );
    },
    onSettled: () => qc.invalidateQueries({ queryKey: KEY }),
  });
}
