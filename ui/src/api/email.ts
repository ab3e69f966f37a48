import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type { EmailLog, EmailLogList, Json, RenderedEmail, TestEmailResult } from '@/lib/types';

export interface EmailLogFilters {
  /** `sent` or `failed`; '' for both. */
  status_filter: string;
  template_type: string;
  /** `YYYY-MM-DD` (that day included) or RFC 3339. */
  start_date: string;
  end_date: string;
  page: number;
  page_size: number;
}

export function useEmailLogs(filters: EmailLogFilters) {
  return useQuery({
    queryKey: ['email-logs', 'list', filters],
    queryFn: ({ signal }) => api.get<EmailLogList>('/admin/email/logs', { query: { ...filters }, signal }),
    placeholderData: keepPreviousData,
    retry: false,
  });
}

export function useEmailLog(id: string | undefined) {
  return useQuery({
    queryKey: ['email-logs', 'one', id],
    queryFn: ({ signal }) => api.get<EmailLog>(`/admin/email/logs/${encodeURIComponent(id ?? '')}`, { signal }),
    enabled: Boolean(id),
    retry: false,
  });
}

export interface RenderBody {
  template_type: string;
  variables: Record<string, Json>;
  /** Render these instead of the stored ones (the editor's unsaved text). */
  subject?: string;
  text_body?: string;
}

export function useRenderEmailTemplate() {
  return useMutation({
    mutationFn: (body: RenderBody) => api.post<RenderedEmail>('/admin/email/templates/render', body),
  });
}

export function useSendTestEmail() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ key, recipient_email, variables }: { key: string; recipient_email: string; variables: Record<string, Json> }) =>
      api.post<TestEmailResult>(`/admin/email/templates/${encodeURIComponent(key)}/test`, { recipient_email, variables }),
    // Sent or failed, the attempt is in the log.
    onSettled: () => void qc.invalidateQueries({ queryKey: ['email-logs'] }),
  });
}
