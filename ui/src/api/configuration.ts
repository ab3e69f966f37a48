// Provider configurations (/admin/configuration): today the OAuth login
// providers (category auth_providers), system-wide or per account.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type { ProviderSchema } from '@/lib/provider-form';

export const AUTH_PROVIDERS = 'auth_providers';

export interface Configuration {
  id: string;
  display_name: string;
  category: string;
  provider_name: string;
  is_system: boolean;
  is_builtin: boolean;
  account_id: string;
  enabled: boolean;
  is_default: boolean;
  priority: number;
  created_at: string;
  updated_at: string;
}

export interface ProviderInfo {
  provider_name: string;
  display_name: string;
  category: string;
  description: string;
  is_builtin: boolean;
}

export interface TestResult {
  success: boolean;
  message: string;
  details?: Record<string, unknown>;
}

/** Whose configurations: the system's (superadmin) or one account's (null: the caller's own). */
export type ConfigScope = { system: true } | { system: false; accountId: string | null };

export function useConfigurations(scope: ConfigScope) {
  return useQuery({
    queryKey: ['configuration', 'list', scope],
    queryFn: ({ signal }) =>
      scope.system
        ? api.get<Configuration[]>('/admin/configuration/system', { query: { category: AUTH_PROVIDERS }, signal })
        : api.get<Configuration[]>('/admin/configuration/account', {
            query: { category: AUTH_PROVIDERS, account_id: scope.accountId ?? undefined },
            signal,
          }),
  });
}

export function useProviders() {
  return useQuery({
    queryKey: ['configuration', 'providers'],
    queryFn: ({ signal }) => api.get<ProviderInfo[]>('/admin/configuration/providers', { query: { category: AUTH_PROVIDERS }, signal }),
    staleTime: Infinity,
  });
}

export function useProviderSchema(provider: string) {
  return useQuery({
    queryKey: ['configuration', 'schema', provider],
    queryFn: ({ signal }) => api.get<ProviderSchema>(`/admin/configuration/schema/${AUTH_PROVIDERS}/${encodeURIComponent(provider)}`, { signal }),
    enabled: Boolean(provider),
    staleTime: Infinity,
  });
}

/** The stored values, secrets masked as "********". */
export function useConfigurationValues(id: string | null) {
  return useQuery({
    queryKey: ['configuration', 'values', id],
    queryFn: ({ signal }) => api.get<Record<string, unknown>>(`/admin/configuration/${encodeURIComponent(id ?? '')}/values`, { signal }),
    enabled: Boolean(id),
    gcTime: 0,
  });
}

function useInvalidate() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ['configuration'] });
}

export interface CreateConfigurationBody {
  display_name: string;
  category: string;
  provider_name: string;
  config: Record<string, unknown>;
  account_id?: string;
}

export function useCreateConfiguration() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (body: CreateConfigurationBody) => api.post<{ id: string; status: string }>('/admin/configuration', body),
    onSuccess: invalidate,
  });
}

export function useUpdateConfigurationValues() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, values }: { id: string; values: Record<string, unknown> }) =>
      api.patch<Configuration>(`/admin/configuration/${encodeURIComponent(id)}/values`, values),
    onSuccess: invalidate,
  });
}

export function useSetConfigurationEnabled() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) =>
      api.patch<{ enabled: boolean }>(`/admin/configuration/${encodeURIComponent(id)}`, { enabled }),
    onSuccess: invalidate,
  });
}

export function useDeleteConfiguration() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (id: string) => api.del<{ success: boolean }>(`/admin/configuration/${encodeURIComponent(id)}`),
    onSuccess: invalidate,
  });
}

export function useTestConnection() {
  return useMutation({
    mutationFn: (body: { provider_name: string; config: Record<string, unknown> }) =>
      api.post<TestResult>('/admin/configuration/test-connection', { category: AUTH_PROVIDERS, ...body }),
  });
}
