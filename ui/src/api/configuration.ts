// Provider configurations (/admin/configuration), by category: the OAuth
// login providers (auth_providers) and the SMTP servers (email_providers),
// system-wide or per account; the file storages (storage_providers),
// system-wide only.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type { ProviderSchema } from '@/lib/provider-form';

export const AUTH_PROVIDERS = 'auth_providers';
export const EMAIL_PROVIDERS = 'email_providers';
export const STORAGE_PROVIDERS = 'storage_providers';

export type ConfigCategory = typeof AUTH_PROVIDERS | typeof EMAIL_PROVIDERS | typeof STORAGE_PROVIDERS;

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

export function useConfigurations(category: ConfigCategory, scope: ConfigScope) {
  return useQuery({
    queryKey: ['configuration', 'list', category, scope],
    queryFn: ({ signal }) =>
      scope.system
        ? api.get<Configuration[]>('/admin/configuration/system', { query: { category }, signal })
        : api.get<Configuration[]>('/admin/configuration/account', {
            query: { category, account_id: scope.accountId ?? undefined },
            signal,
          }),
  });
}

export function useProviders(category: ConfigCategory) {
  return useQuery({
    queryKey: ['configuration', 'providers', category],
    queryFn: ({ signal }) => api.get<ProviderInfo[]>('/admin/configuration/providers', { query: { category }, signal }),
    staleTime: Infinity,
  });
}

export function useProviderSchema(category: ConfigCategory, provider: string) {
  return useQuery({
    queryKey: ['configuration', 'schema', category, provider],
    queryFn: ({ signal }) =>
      api.get<ProviderSchema>(`/admin/configuration/schema/${category}/${encodeURIComponent(provider)}`, { signal }),
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

/** A change may switch the file storage in use (storage_providers), so the Storage page's view is refetched too. */
function useInvalidate() {
  const qc = useQueryClient();
  return async () => {
    await Promise.all([qc.invalidateQueries({ queryKey: ['configuration'] }), qc.invalidateQueries({ queryKey: ['storage'] })]);
  };
}

export interface CreateConfigurationBody {
  display_name: string;
  category: ConfigCategory;
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

/** Makes a configuration the default of its category and account (or no longer the default). */
export function useSetConfigurationDefault() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, isDefault }: { id: string; isDefault: boolean }) => {
      const path = `/admin/configuration/${encodeURIComponent(id)}/set-default`;
      return isDefault ? api.post<{ is_default: boolean }>(path) : api.del<{ is_default: boolean }>(path);
    },
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

export interface TestConnectionBody {
  provider_name: string;
  config: Record<string, unknown>;
  /** A saved configuration whose stored secrets replace the masked values in `config`. */
  id?: string;
}

/** Tries the values (not saved): a discovery document, an SMTP login, a storage round trip. */
export function useTestConnection(category: ConfigCategory) {
  return useMutation({
    mutationFn: (body: TestConnectionBody) => api.post<TestResult>('/admin/configuration/test-connection', { category, ...body }),
  });
}
