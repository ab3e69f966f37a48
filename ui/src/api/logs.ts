import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type { LogSettings, LogStats, Paged, RequestLog } from '@/lib/types';

export interface LogFilters {
  status_class: string;
  status: string;
  method: string;
  path: string;
  account_id: string;
  since: string;
  until: string;
  sort_order: 'asc' | 'desc';
  page: number;
  page_size: number;
}

export function useLogs(filters: LogFilters, refetchInterval: number | false) {
  return useQuery({
    queryKey: ['logs', 'list', filters],
    queryFn: ({ signal }) => api.get<Paged<RequestLog>>('/admin/logs', { query: { ...filters }, signal }),
    placeholderData: keepPreviousData,
    refetchInterval,
  });
}

export function useLog(id: string | null) {
  return useQuery({
    queryKey: ['logs', 'one', id],
    queryFn: ({ signal }) => api.get<RequestLog>(`/admin/logs/${encodeURIComponent(id ?? '')}`, { signal }),
    enabled: Boolean(id),
  });
}

export function useLogStats(refetchInterval: number | false) {
  return useQuery({
    queryKey: ['logs', 'stats'],
    queryFn: ({ signal }) => api.get<LogStats>('/admin/logs/stats', { signal }),
    refetchInterval,
  });
}

export function useLogSettings() {
  return useQuery({
    queryKey: ['logs', 'settings'],
    queryFn: ({ signal }) => api.get<LogSettings>('/admin/logs/settings', { signal }),
  });
}

export function useUpdateLogSettings() {
  const qc = useQueryClient();
  return useMutation({
    /** `null` goes back to the server's configured default. */
    mutationFn: (retention_days: number | null) => api.patch<LogSettings>('/admin/logs/settings', { retention_days }),
    onSuccess: (data) => {
      qc.setQueryData(['logs', 'settings'], data);
      void qc.invalidateQueries({ queryKey: ['logs', 'list'] });
      void qc.invalidateQueries({ queryKey: ['logs', 'stats'] });
    },
  });
}
