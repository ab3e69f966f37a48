import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type { DashboardStats } from '@/lib/types';

export function useDashboard(refetchInterval: number | false) {
  return useQuery({
    queryKey: ['dashboard'],
    queryFn: ({ signal }) => api.get<DashboardStats>('/dashboard/stats', { signal }),
    refetchInterval,
  });
}
