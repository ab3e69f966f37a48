import { useState } from 'react';
import { AlertTriangle, Copy, History, Pencil, Plus, Trash2, X } from 'lucide-react';
import { useDeleteWebhook, useUpdateWebhook, useWebhooks } from '@/api/webhooks';
import { errorMessage } from '@/lib/api';
import type { Webhook } from '@/lib/types';
import { copyText } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { useConfirm } from '@/components/ui/confirm';
import { Checkbox } from '@/components/ui/input';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import { AccountPicker } from '@/pages/records/AccountPicker';
import { useRecordAccount } from '@/pages/records/useRecordAccount';
import { DeliveriesDialog } from './DeliveriesDialog';
import { WebhookFormDialog } from './WebhookFormDialog';

export function WebhooksPage() {
  const { superadmin, accountId, accounts, setAccount, ready } = useRecordAccount();
  const list = useWebhooks(accountId, ready);
  const update = useUpdateWebhook();
  const remove = useDeleteWebhook();
  const confirm = useConfirm();
  const toast = useToast();
  const [editing, setEditing] = useState<Webhook | null | undefined>(undefined);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [logOf, setLogOf] = useState<Webhook | null>(null);
  /** Toggles shown at once, until the list has the server's answer. */
  const [toggling, setToggling] = useState<Record<string, boolean>>({});

  const onToggle = async (w: Webhook, enabled: boolean) => {
    setToggling((t) => ({ ...t, [w.id]: enabled }));
    try {
      await update.mutateAsync({ id: w.id, enabled });
      toast.success(enabled ? 'Webhook enabled' : 'Webhook disabled');
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setToggling(({ [w.id]: _done, ...rest }) => rest);
    }
  };

  const onDelete = async (w: Webhook) => {
    const ok = await confirm({
      title: 'Delete this webhook?',
      message: `${w.url} stops receiving ${w.collection} events, and its delivery log is removed.`,
      confirmLabel: 'Delete webhook',
      danger: true,
    });
    if (!ok) return;
    try {
      await remove.mutateAsync(w.id);
      toast.success('Webhook deleted');
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title="Webhooks"
        description={superadmin ? "Send the chosen account's record changes to a URL" : "Send your account's record changes to a URL"}
        actions={
          <>
            {superadmin && <AccountPicker accounts={accounts} value={accountId} onChange={setAccount} />}
            <Button onClick={() => setEditing(null)} disabled={!ready}>
              <Plus className="h-4 w-4" /> New webhook
            </Button>
          </>
        }
      />
      {secret && (
        <Card data-testid="webhook-secret-card">
          <CardHeader
            title="Signing secret"
            description={
              <span className="flex items-start gap-1.5">
                <AlertTriangle className="mt-0.5 h-4 w-4 shrink-0 text-warn" aria-hidden />
                Copy it now: it will not be shown again. Receivers check X-SnackBase-Signature-V2 with it (an HMAC-SHA256 of the timestamp and the body) and refuse old timestamps.
              </span>
            }
            actions={
              <>
                <Button variant="outline" size="sm" onClick={() => void copyText(secret.secret).then(() => toast.success('Secret copied'))}>
                  <Copy className="h-3.5 w-3.5" /> Copy
                </Button>
                <Button variant="ghost" size="sm" aria-label="Dismiss the secret" onClick={() => setSecret(null)}>
                  <X className="h-3.5 w-3.5" />
                </Button>
              </>
            }
          />
          <p className="break-all p-3 font-mono text-xs" data-testid="webhook-secret">
            {secret.secret}
          </p>
        </Card>
      )}
      <Card>
        {!ready || list.isPending ? (
          <Spinner />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : list.data.length === 0 ? (
          <EmptyState title="No webhooks yet">Create one to post record changes to a URL.</EmptyState>
        ) : (
          <TableContainer>
            <Table data-testid="webhooks-table">
              <thead>
                <tr>
                  <Th>URL</Th>
                  <Th>Collection</Th>
                  <Th>Events</Th>
                  <Th>Filter</Th>
                  <Th>Enabled</Th>
                  <Th className="text-right">Actions</Th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((w) => (
                  <tr key={w.id} data-url={w.url} className="hover:bg-muted/40">
                    <Td className="max-w-64 truncate font-mono text-xs" title={w.url}>
                      {w.url}
                    </Td>
                    <Td>{w.collection}</Td>
                    <Td>
                      <div className="flex flex-wrap gap-1">
                        {w.events.map((ev) => (
                          <Badge key={ev} tone="primary">
                            {ev}
                          </Badge>
                        ))}
                      </div>
                    </Td>
                    <Td className="max-w-48 truncate font-mono text-xs text-muted-fg" title={w.filter ?? ''}>
                      {w.filter || '—'}
                    </Td>
                    <Td>
                      <Checkbox checked={toggling[w.id] ?? w.enabled} aria-label={`Enabled ${w.url}`} onChange={(e) => void onToggle(w, e.target.checked)} />
                    </Td>
                    <Td className="whitespace-nowrap text-right">
                      <Button variant="ghost" size="sm" aria-label={`Deliveries of ${w.url}`} onClick={() => setLogOf(w)}>
                        <History className="h-3.5 w-3.5" />
                      </Button>
                      <Button variant="ghost" size="sm" aria-label={`Edit ${w.url}`} onClick={() => setEditing(w)}>
                        <Pencil className="h-3.5 w-3.5" />
                      </Button>
                      <Button variant="ghost" size="sm" aria-label={`Delete ${w.url}`} onClick={() => void onDelete(w)}>
                        <Trash2 className="h-3.5 w-3.5" />
                      </Button>
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </TableContainer>
        )}
      </Card>
      <WebhookFormDialog
        open={editing !== undefined}
        webhook={editing ?? null}
        accountId={accountId}
        onClose={() => setEditing(undefined)}
        onCreated={(w) => {
          setEditing(undefined);
          setSecret(w.secret ? { url: w.url, secret: w.secret } : null);
        }}
      />
      <DeliveriesDialog webhook={logOf} onClose={() => setLogOf(null)} />
    </div>
  );
}
