import { RefreshCw, RotateCw, Send } from 'lucide-react';
import { DELIVERY_PAGE, useDeliveries, useRedeliver, useTestWebhook } from '@/api/webhooks';
import { errorMessage } from '@/lib/api';
import type { Webhook } from '@/lib/types';
import { formatDateTime } from '@/lib/utils';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';

const TONES: Record<string, BadgeTone> = { pending: 'warn', delivered: 'success', failed: 'danger' };

/** The delivery log of one webhook, newest first, with redeliver and a test event. */
export function DeliveriesDialog({ webhook, onClose }: { webhook: Webhook | null; onClose: () => void }) {
  const list = useDeliveries(webhook?.id ?? null);
  const redeliver = useRedeliver();
  const test = useTestWebhook();
  const toast = useToast();

  const onTest = async () => {
    if (!webhook) return;
    try {
      const res = await test.mutateAsync(webhook.id);
      if (res.success) toast.success(`Test event delivered (HTTP ${res.status_code})`);
      else toast.error(`Test event failed: ${res.error ?? `HTTP ${res.status_code}`}`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const onRedeliver = async (deliveryId: string) => {
    if (!webhook) return;
    try {
      await redeliver.mutateAsync({ webhookId: webhook.id, deliveryId });
      toast.success('Delivery queued again');
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  return (
    <Dialog
      open={webhook !== null}
      onClose={onClose}
      size="xl"
      title="Deliveries"
      description={webhook ? <span className="break-all font-mono text-xs">{webhook.url}</span> : undefined}
    >
      <div className="flex flex-col gap-3">
        <div className="flex flex-wrap gap-2">
          <Button variant="outline" size="sm" onClick={() => void list.refetch()} loading={list.isFetching}>
            <RefreshCw className="h-3.5 w-3.5" /> Refresh
          </Button>
          <Button variant="outline" size="sm" onClick={() => void onTest()} loading={test.isPending}>
            <Send className="h-3.5 w-3.5" /> Send test
          </Button>
        </div>
        {list.isPending ? (
          <Spinner />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : list.data.items.length === 0 ? (
          <EmptyState title="No deliveries yet">Changes that match this webhook, and test events, appear here.</EmptyState>
        ) : (
          <TableContainer>
            <Table data-testid="deliveries-table">
              <thead>
                <tr>
                  <Th>Event</Th>
                  <Th>Status</Th>
                  <Th>Attempts</Th>
                  <Th>Last answer</Th>
                  <Th>Created</Th>
                  <Th className="text-right">Actions</Th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((d) => (
                  <tr key={d.id} data-delivery={d.id} data-event={d.event} data-status={d.status} className="hover:bg-muted/40">
                    <Td className="whitespace-nowrap font-mono text-xs">{d.event}</Td>
                    <Td>
                      <Badge tone={TONES[d.status] ?? 'neutral'}>{d.status}</Badge>
                    </Td>
                    <Td data-testid="attempts">{d.attempt_number}</Td>
                    <Td className="max-w-56">
                      {d.response_status !== null && <span className="font-mono text-xs">HTTP {d.response_status}</span>}
                      {d.error && <p className="truncate text-xs text-danger" title={d.error}>{d.error}</p>}
                      {d.response_status === null && !d.error && <span className="text-muted-fg">—</span>}
                    </Td>
                    <Td className="whitespace-nowrap text-xs text-muted-fg">
                      {formatDateTime(d.created_at)}
                      {d.delivered_at ? (
                        <p>Delivered {formatDateTime(d.delivered_at)}</p>
                      ) : d.next_retry_at ? (
                        <p>Next try {formatDateTime(d.next_retry_at)}</p>
                      ) : null}
                    </Td>
                    <Td className="whitespace-nowrap text-right">
                      <Button variant="ghost" size="sm" aria-label={`Redeliver ${d.id}`} onClick={() => void onRedeliver(d.id)} disabled={d.status === 'pending'}>
                        <RotateCw className="h-3.5 w-3.5" /> Redeliver
                      </Button>
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </TableContainer>
        )}
        {list.data && list.data.total > list.data.items.length && (
          <p className="text-xs text-muted-fg" data-testid="deliveries-more">
            The newest {DELIVERY_PAGE} of {list.data.total} deliveries.
          </p>
        )}
      </div>
    </Dialog>
  );
}
