import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type { AccountDetail, AccountListItem, AccountUserItem, Paged } from '@/lib/types';

export interface AccountListParams {
  page: number;
  page_size: number;
  sort_by: string;
  sort_order: 'asc' | 'desc';
  search: string;
}

export function useAccounts(params: AccountListParams) {
  return useQuery({
    queryKey: ['accounts', 'list', params],
    queryFn: ({ signal }) => api.get<Paged<AccountListItem>>('/accounts', { query: { ...params }, signal }),
    placeholderData: keepPreviousData,
  });
}

/** Up to 100 accounts by name, for pickers. */
export function useAccountOptions(enabled = true) {
  return useQuery({
    queryKey: ['accounts', 'options'],
    queryFn: ({ signal }) =>
      api.get<Paged<AccountListItem>>('/accounts', {
        query: { page: 1, page_size: 100, sort_by: 'name', sort_order: 'asc' },
        signal,
      }),
    enabled,
    staleTime: 30_000,
  });
}

export function useAccount(id: string) {
  return useQuery({
    queryKey: ['accounts', 'detail', id],
    queryFn: ({ signal }) => api.get<AccountDetail>(`/accounts/${encodeURIComponent(id)}`, { signal }),
  });
}

export function useAccountUsers(id: string, page: number) {
  return useQuery({
    queryKey: ['accounts', 'users', id, page],
    queryFn: ({ signal }) =>
      api.get<Paged<AccountUserItem>>(`/accounts/${encodeURIComponent(id)}/users`, {
        query: { page, page_size: 25 },
        signal,
      }),
    placeholderData: keepPreviousData,
  });
}

function useInvalidateAccounts() {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: ['accounts'] });
    void qc.invalidateQueries({ queryKey: ['dashboard'] });
  };
}

export function useCreateAccount() {
  const invalidate = useInvalidateAccounts();
  return useMutation({
    mutationFn: (body: { name: string; slug?: string }) => api.post<AccountDetail>('/accounts', body),
    onSuccess: invalidate,
  });
}

export interface UpdateAccountBody {
  name: string;
  /** `null` follows the server default; absent leaves the setting as it is. */
  require_email_verification?: boolean | null;
  /** Its admins must sign in with TOTP; absent leaves the setting as it is. */
  require_admin_mfa?: boolean | null;
}

export function useUpdateAccount() {
  const invalidate = useInvalidateAccounts();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string } & UpdateAccountBody) =>
      api.put<AccountDetail>(`/accounts/${encodeURIComponent(id)}`, body),
    onSuccess: invalidate,
  });
}

export function useDeleteAccount() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.del<void>(`/accounts/${encodeURIComponent(id)}`),
    onSuccess: () => {
      void qc.invalidateQueries();
    },
  });
}
