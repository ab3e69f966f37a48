import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type { Group, GroupMember } from '@/lib/types';

/** Account admins see their own account's groups; the superadmin names one. */
export function useGroups(accountId: string | null, enabled = true) {
  return useQuery({
    queryKey: ['groups', 'list', accountId],
    queryFn: ({ signal }) => api.get<Group[]>('/groups', { query: { account_id: accountId ?? undefined }, signal }),
    enabled,
  });
}

export function useGroupMembers(groupId: string | null) {
  return useQuery({
    queryKey: ['groups', 'members', groupId],
    queryFn: ({ signal }) => api.get<GroupMember[]>(`/groups/${encodeURIComponent(groupId ?? '')}/users`, { signal }),
    enabled: Boolean(groupId),
  });
}

function useInvalidateGroups() {
  const qc = useQueryClient();
  return () => void qc.invalidateQueries({ queryKey: ['groups'] });
}

export function useCreateGroup() {
  const invalidate = useInvalidateGroups();
  return useMutation({
    mutationFn: (body: { name: string; description?: string; account_id?: string }) => api.post<Group>('/groups', body),
    onSuccess: invalidate,
  });
}

export function useUpdateGroup() {
  const invalidate = useInvalidateGroups();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: { name?: string; description?: string } }) =>
      api.patch<Group>(`/groups/${encodeURIComponent(id)}`, body),
    onSuccess: invalidate,
  });
}

export function useDeleteGroup() {
  const invalidate = useInvalidateGroups();
  return useMutation({
    mutationFn: (id: string) => api.del<void>(`/groups/${encodeURIComponent(id)}`),
    onSuccess: invalidate,
  });
}

export function useAddGroupMember() {
  const invalidate = useInvalidateGroups();
  return useMutation({
    mutationFn: ({ groupId, userId }: { groupId: string; userId: string }) =>
      api.post<unknown>(`/groups/${encodeURIComponent(groupId)}/users`, { user_id: userId }),
    onSuccess: invalidate,
  });
}

export function useRemoveGroupMember() {
  const invalidate = useInvalidateGroups();
  return useMutation({
    mutationFn: ({ groupId, userId }: { groupId: string; userId: string }) =>
      api.del<void>(`/groups/${encodeURIComponent(groupId)}/users/${encodeURIComponent(userId)}`),
    onSuccess: invalidate,
  });
}
