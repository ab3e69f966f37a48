import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type { ApiKey, ApiKeyList } from '@/lib/types';

export interface ApiKeyListParams {
  limit: number;
  offset: number;
  /** The superadmin's filter; null: every account (account admins: always their own). */
  accountId: string | null;
}

/** A page of keys, newest first. */
export function useApiKeys({ limit, offset, accountId }: ApiKeyListParams, enabled = true) {
  return useQuery({
    queryKey: ['api-keys', 'list', { limit, offset, accountId }],
    queryFn: ({ signal }) =>
      api.get<ApiKeyList>('/admin/api-keys', { query: { limit, offset, account_id: accountId ?? undefined }, signal }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

function useInvalidateApiKeys() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ['api-keys'] });
}

export interface ApiKeyBody {
  name: string;
  role?: string;
  /** RFC 3339, in the future. */
  expires_at?: string;
  /** Required for the superadmin; account admins' keys are in their own account. */
  account_id?: string;
  /** The collections the key may reach; absent: every collection. */
  collections?: string[];
}

/** Resolves to the new key with its plaintext `key`: the only time it is shown. */
export function useCreateApiKey() {
  const invalidate = useInvalidateApiKeys();
  return useMutation({
    mutationFn: (body: ApiKeyBody) => api.post<ApiKey>('/admin/api-keys', body),
    onSuccess: invalidate,
  });
}

/** Revokes a key: it stops working at once and stays listed as revoked. */
export function useRevokeApiKey() {
  const invalidate = useInvalidateApiKeys();
  return useMutation({
    mutationFn: (id: string) => api.del<void>(`/admin/api-keys/${encodeURIComponent(id)}`),
    onSuccess: invalidate,
  });
}
