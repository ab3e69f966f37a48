import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type { Macro, MacroTestResult } from '@/lib/types';

export function useMacros() {
  return useQuery({
    queryKey: ['macros', 'list'],
    queryFn: ({ signal }) => api.get<Macro[]>('/macros', { signal }),
  });
}

export interface MacroBody {
  name: string;
  description?: string;
  sql_query: string;
  parameters: string[];
}

function useInvalidateMacros() {
  const qc = useQueryClient();
  return () => void qc.invalidateQueries({ queryKey: ['macros'] });
}

export function useSaveMacro() {
  const invalidate = useInvalidateMacros();
  return useMutation({
    mutationFn: ({ id, body }: { id?: number; body: MacroBody }) =>
      id === undefined ? api.post<Macro>('/macros', body) : api.put<Macro>(`/macros/${id}`, body),
    onSuccess: invalidate,
  });
}

export function useDeleteMacro() {
  const invalidate = useInvalidateMacros();
  return useMutation({
    mutationFn: (id: number) => api.del<void>(`/macros/${id}`),
    onSuccess: invalidate,
  });
}

export function useTestMacro() {
  return useMutation({
    mutationFn: ({ id, parameters, account_id }: { id: number; parameters: unknown[]; account_id?: string }) =>
      api.post<MacroTestResult>(`/macros/${id}/test`, { parameters, account_id }),
  });
}
