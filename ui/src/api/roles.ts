import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type { PermissionMatrix, Role, RoleList, RuleTestResult, RuleValidation } from '@/lib/types';
import type { BulkUpdate } from '@/lib/permissions';

export function useRoles(enabled = true) {
  return useQuery({
    queryKey: ['roles', 'list'],
    queryFn: ({ signal }) => api.get<RoleList>('/roles', { signal }),
    enabled,
    staleTime: 30_000,
  });
}

function useInvalidateRoles() {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: ['roles'] });
  };
}

export function useCreateRole() {
  const invalidate = useInvalidateRoles();
  return useMutation({
    mutationFn: (body: { name: string; description?: string }) => api.post<Role>('/roles', body),
    onSuccess: invalidate,
  });
}

export function useUpdateRole() {
  const invalidate = useInvalidateRoles();
  return useMutation({
    mutationFn: ({ id, body }: { id: number; body: { name?: string; description?: string } }) =>
      api.patch<Role>(`/roles/${id}`, body),
    onSuccess: invalidate,
  });
}

export function useDeleteRole() {
  const invalidate = useInvalidateRoles();
  return useMutation({
    mutationFn: (id: number) => api.del<void>(`/roles/${id}`),
    onSuccess: invalidate,
  });
}

export function usePermissionMatrix(roleId: number | undefined) {
  return useQuery({
    queryKey: ['roles', 'matrix', roleId],
    queryFn: ({ signal }) => api.get<PermissionMatrix>(`/roles/${roleId}/permissions/matrix`, { signal }),
    enabled: roleId !== undefined,
  });
}

export function useBulkPermissions() {
  const invalidate = useInvalidateRoles();
  return useMutation({
    mutationFn: ({ roleId, updates }: { roleId: number; updates: BulkUpdate[] }) =>
      api.put<unknown>(`/roles/${roleId}/permissions/bulk`, { updates }),
    onSuccess: invalidate,
  });
}

export function validateRule(rule: string, collection: string | undefined, signal?: AbortSignal) {
  return api.post<RuleValidation>('/roles/validate-rule', { rule, collection }, { signal });
}

export function useTestRule() {
  return useMutation({
    mutationFn: (body: { rule: string; collection?: string; context: Record<string, unknown> }) =>
      api.post<RuleTestResult>('/roles/test-rule', body),
  });
}
