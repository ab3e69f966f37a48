import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type { AuthResponse, EmailTemplate, Invitation, PublicInvitation } from '@/lib/types';

export function useInvitations(accountId: string | null, status: string, enabled = true) {
  return useQuery({
    queryKey: ['invitations', 'list', accountId, status],
    queryFn: ({ signal }) =>
      api.get<{ invitations: Invitation[]; total: number }>('/invitations', {
        query: { account_id: accountId ?? undefined, status: status || undefined },
        signal,
      }),
    enabled,
  });
}

function useInvalidateInvitations() {
  const qc = useQueryClient();
  return () => void qc.invalidateQueries({ queryKey: ['invitations'] });
}

export interface InviteBody {
  email: string;
  role_id?: number;
  groups?: string[];
  account_id?: string;
}

export function useCreateInvitation() {
  const invalidate = useInvalidateInvitations();
  return useMutation({
    mutationFn: (body: InviteBody) => api.post<Invitation>('/invitations', body),
    onSuccess: invalidate,
  });
}

export function useResendInvitation() {
  const invalidate = useInvalidateInvitations();
  return useMutation({
    mutationFn: (id: string) => api.post<Invitation>(`/invitations/${encodeURIComponent(id)}/resend`),
    onSuccess: invalidate,
  });
}

export function useCancelInvitation() {
  const invalidate = useInvalidateInvitations();
  return useMutation({
    mutationFn: (id: string) => api.del<void>(`/invitations/${encodeURIComponent(id)}`),
    onSuccess: invalidate,
  });
}

export function usePublicInvitation(token: string) {
  return useQuery({
    queryKey: ['invitations', 'public', token],
    queryFn: ({ signal }) => api.get<PublicInvitation>(`/invitations/${encodeURIComponent(token)}`, { auth: false, signal }),
    enabled: Boolean(token),
    retry: false,
  });
}

export function useAcceptInvitation() {
  return useMutation({
    mutationFn: ({ token, password }: { token: string; password: string }) =>
      api.post<AuthResponse>(`/invitations/${encodeURIComponent(token)}/accept`, { password }, { auth: false }),
  });
}

export function useEmailTemplates() {
  return useQuery({
    queryKey: ['email-templates'],
    queryFn: ({ signal }) => api.get<EmailTemplate[]>('/admin/email/templates', { signal }),
  });
}

export function useSaveEmailTemplate() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ key, subject, body }: { key: string; subject: string; body: string }) =>
      api.put<EmailTemplate>(`/admin/email/templates/${encodeURIComponent(key)}`, { subject, body }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['email-templates'] }),
  });
}
