import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type { Webhook, WebhookDeliveryPage, WebhookEvent, WebhookList, WebhookTestResult } from '@/lib/types';

export function useWebhooks(accountId: string | null, enabled = true) {
  return useQuery({
    queryKey: ['webhooks', 'list', accountId],
    queryFn: async ({ signal }) =>
      (await api.get<WebhookList>('/webhooks', { query: { account_id: accountId ?? undefined }, signal })).items,
    enabled,
  });
}

function useInvalidateWebhooks() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ['webhooks'] });
}

export interface WebhookBody {
  url: string;
  collection: string;
  events: WebhookEvent[];
  filter: string;
  enabled: boolean;
  headers: Record<string, string>;
}

export function useCreateWebhook() {
  const invalidate = useInvalidateWebhooks();
  return useMutation({
    mutationFn: (body: WebhookBody & { secret?: string; account_id?: string }) => api.post<Webhook>('/webhooks', body),
    onSuccess: invalidate,
  });
}

export function useUpdateWebhook() {
  const invalidate = useInvalidateWebhooks();
  return useMutation({
    mutationFn: ({ id, ...body }: Partial<WebhookBody> & { id: string }) =>
      api.patch<Webhook>(`/webhooks/${encodeURIComponent(id)}`, body),
    onSuccess: invalidate,
  });
}

export function useDeleteWebhook() {
  const invalidate = useInvalidateWebhooks();
  return useMutation({
    mutationFn: (id: string) => api.del<void>(`/webhooks/${encodeURIComponent(id)}`),
    onSuccess: invalidate,
  });
}

/** The deliveries the log shows: the newest ones. */
export const DELIVERY_PAGE = 100;

/** The delivery log, newest first; polled while a delivery is still pending. */
export function useDeliveries(webhookId: string | null) {
  return useQuery({
    queryKey: ['webhooks', 'deliveries', webhookId],
    queryFn: ({ signal }) =>
      api.get<WebhookDeliveryPage>(`/webhooks/${encodeURIComponent(webhookId ?? '')}/deliveries`, {
        query: { limit: DELIVERY_PAGE },
        signal,
      }),
    enabled: Boolean(webhookId),
    refetchInterval: (q) => (q.state.data?.items.some((d) => d.status === 'pending') ? 1000 : false),
  });
}

/** Sends a test event at once; resolves to how it went (a failed delivery is not an error). */
export function useTestWebhook() {
  const invalidate = useInvalidateWebhooks();
  return useMutation({
    mutationFn: (id: string) => api.post<WebhookTestResult>(`/webhooks/${encodeURIComponent(id)}/test`),
    onSuccess: invalidate,
  });
}

export function useRedeliver() {
  const invalidate = useInvalidateWebhooks();
  return useMutation({
    mutationFn: ({ webhookId, deliveryId }: { webhookId: string; deliveryId: string }) =>
      api.post<{ delivery_id: string }>(
        `/webhooks/${encodeURIComponent(webhookId)}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`,
      ),
    onSuccess: invalidate,
  });
}
