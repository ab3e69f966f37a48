import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type { MigrationHistory, MigrationList } from '@/lib/types';

export function useMigrations() {
  return useQuery({
    queryKey: ['migrations', 'list'],
    queryFn: ({ signal }) => api.get<MigrationList>('/migrations', { signal }),
  });
}

export function useMigrationHistory() {
  return useQuery({
    queryKey: ['migrations', 'history'],
    queryFn: ({ signal }) => api.get<MigrationHistory>('/migrations/history', { signal }),
  });
}
