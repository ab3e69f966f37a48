import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api';

export function useSetupStatus() {
  return useQuery({
    queryKey: ['setup'],
    queryFn: ({ signal }) => api.get<{ needs_setup: boolean }>('/setup', { auth: false, signal }),
  });
}

export function useRunSetup() {
  return useMutation({
    mutationFn: (body: { token: string; email: string; password: string }) =>
      api.post<{ user_id: string; account_id: string; email: string }>('/setup', body, { auth: false }),
  });
}
