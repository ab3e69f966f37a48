import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type { LinkResponse, Me, MessageResponse, User, UserList } from '@/lib/types';

export { useRoles } from './roles';

export interface UserListParams {
  account_id: string;
  role_id: string;
  is_active: string;
  search: string;
  skip: number;
  limit: number;
  sort: string;
}

export function useUsers(params: UserListParams, enabled = true) {
  return useQuery({
    enabled,
    queryKey: ['users', 'list', params],
    queryFn: ({ signal }) => api.get<UserList>('/users', { query: { ...params }, signal }),
    placeholderData: keepPreviousData,
  });
}

/**
 * Whether the server lets the signed-in caller impersonate users (`/auth/me`);
 * asked only when `enabled` (the superadmin always may).
 */
export function useCanImpersonate(userId: string | undefined, enabled: boolean): boolean {
  const me = useQuery({
    enabled: enabled && Boolean(userId),
    queryKey: ['auth', 'me', userId],
    queryFn: ({ signal }) => api.get<Me>('/auth/me', { signal }),
    staleTime: 60_000,
  });
  return me.data?.can_impersonate === true;
}

function useInvalidateUsers() {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: ['users'] });
    void qc.invalidateQueries({ queryKey: ['accounts'] });
    void qc.invalidateQueries({ queryKey: ['dashboard'] });
  };
}

export interface CreateUserBody {
  email: string;
  password: string;
  account_id: string;
  role: string;
  is_active: boolean;
}

export function useCreateUser() {
  const invalidate = useInvalidateUsers();
  return useMutation({
    mutationFn: (body: CreateUserBody) => api.post<User>('/users', body),
    onSuccess: invalidate,
  });
}

export interface UpdateUserBody {
  email?: string;
  role?: string;
  is_active?: boolean;
}

export function useUpdateUser() {
  const invalidate = useInvalidateUsers();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateUserBody }) =>
      api.patch<User>(`/users/${encodeURIComponent(id)}`, body),
    onSuccess: invalidate,
  });
}

export function useDeactivateUser() {
  const invalidate = useInvalidateUsers();
  return useMutation({
    mutationFn: (id: string) => api.del<void>(`/users/${encodeURIComponent(id)}`),
    onSuccess: invalidate,
  });
}

export function useResetPassword() {
  return useMutation({
    mutationFn: ({ id, password }: { id: string; password: string }) =>
      api.put<{ message: string }>(`/users/${encodeURIComponent(id)}/password`, { new_password: password }),
  });
}

/** Emails the user a single-use reset link instead of setting a password. */
export function useSendResetLink() {
  return useMutation({
    mutationFn: (id: string) =>
      api.put<LinkResponse>(`/users/${encodeURIComponent(id)}/password`, { send_reset_link: true }),
  });
}

export function useMarkVerified() {
  const invalidate = useInvalidateUsers();
  return useMutation({
    mutationFn: (id: string) => api.post<MessageResponse>(`/users/${encodeURIComponent(id)}/verify`, {}),
    onSuccess: invalidate,
  });
}

export function useResendVerification() {
  return useMutation({
    mutationFn: (id: string) => api.post<LinkResponse>(`/users/${encodeURIComponent(id)}/resend-verification`, {}),
  });
}

/** An identity-provider login linked to a user (`GET /users/{id}/identities`). */
export interface LinkedIdentity {
  id: string;
  provider_name: string;
  issuer: string;
  subject: string;
  email: string | null;
  created_at: string;
  last_login_at: string;
}

export function useUserIdentities(userId: string | undefined) {
  return useQuery({
    enabled: Boolean(userId),
    queryKey: ['users', 'identities', userId],
    queryFn: ({ signal }) => api.get<{ items: LinkedIdentity[] }>(`/users/${encodeURIComponent(userId ?? '')}/identities`, { signal }),
  });
}

export function useUnlinkIdentity(userId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (identityId: string) =>
      api.del<void>(`/users/${encodeURIComponent(userId)}/identities/${encodeURIComponent(identityId)}`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['users', 'identities', userId] }),
  });
}
