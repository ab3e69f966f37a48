import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Copy, History } from 'lucide-react';
import { useAuditLog } from '@/api/audit';
import { historyHref, operationTone } from '@/lib/audit';
import { copyText, formatDateTime } from '@/lib/utils';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { AuditValue } from './AuditValue';

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="grid grid-cols-1 gap-0.5 py-2 sm:grid-cols-[9rem_1fr] sm:gap-3" data-testid={testId}>
      <dt className="text-xs font-medium text-muted-fg">{label}</dt>
      <dd className="min-w-0 break-all text-sm">{children ?? <span className="text-muted-fg">—</span>}</dd>
    </div>
  );
}

const mono = (v: string | number | null) => (v === null || v === '' ? null : <span className="font-mono text-xs">{v}</span>);

/** Every field of one audit entry, loaded from `/audit-logs/{id}`. */
export function AuditDetailDialog({ id, onClose }: { id: string | null; onClose: () => void }) {
  const q = useAuditLog(id);
  const toast = useToast();
  const e = q.data;
  return (
    <Dialog
      open={id !== null}
      onClose={onClose}
      size="lg"
      title={e ? `Audit entry ${e.id}` : 'Audit entry'}
      description={e ? `${e.operation} · ${e.table_name}${e.column_name ? `.${e.column_name}` : ''}` : undefined}
      footer={
        e && (
          <>
            {e.record_id && (
              <Link
                to={historyHref(e.table_name, e.record_id)}
                className="inline-flex h-9 items-center gap-2 rounded-md border border-input bg-card px-4 text-sm font-medium hover:bg-muted"
              >
                <History className="h-4 w-4" /> Record history
              </Link>
            )}
            <Button
              variant="outline"
              onClick={() =>
                void copyText(JSON.stringify(e, null, 2)).then(
                  () => toast.success('Copied as JSON'),
                  () => toast.error('Could not copy'),
                )
              }
            >
              <Copy className="h-4 w-4" /> Copy as JSON
            </Button>
          </>
        )
      }
    >
      {q.isPending ? (
        <Spinner />
      ) : q.isError ? (
        <ErrorState error={q.error} />
      ) : e ? (
        <dl className="divide-y divide-border" data-testid="audit-detail">
          <Row label="Time">{formatDateTime(e.occurred_at)}</Row>
          <Row label="Operation">
            <Badge tone={operationTone(e.operation)}>{e.operation}</Badge>
          </Row>
          <Row label="Table">{mono(e.table_name)}</Row>
          <Row label="Record">{mono(e.record_id)}</Row>
          <Row label="Column">{mono(e.column_name)}</Row>
          <Row label="Old value" testId="audit-detail-old">
            <AuditValue raw={e.old_value} tone="old" />
          </Row>
          <Row label="New value" testId="audit-detail-new">
            <AuditValue raw={e.new_value} tone="new" />
          </Row>
          <Row label="Account">{e.account_id ? mono(e.account_id) : <span className="text-muted-fg">system</span>}</Row>
          <Row label="User">
            {e.user_email || e.user_name || e.user_id ? (
              <span>
                {e.user_email ?? e.user_name}
                {e.user_name && e.user_email && <span className="text-muted-fg"> ({e.user_name})</span>}
                {e.user_id && <span className="ml-1 font-mono text-xs text-muted-fg">{e.user_id}</span>}
              </span>
            ) : null}
          </Row>
          <Row label="Signed by">{e.es_username}</Row>
          <Row label="Signature reason">{e.es_reason}</Row>
          <Row label="Signed at">{e.es_timestamp && formatDateTime(e.es_timestamp)}</Row>
          <Row label="IP">{e.ip_address}</Row>
          <Row label="User agent">{e.user_agent && <span className="text-xs">{e.user_agent}</span>}</Row>
          <Row label="Request id">{mono(e.request_id)}</Row>
          <Row label="Chain">
            {mono(e.chain)} <span className="text-xs text-muted-fg">#{e.sequence}</span>
          </Row>
          <Row label="Checksum" testId="audit-detail-checksum">
            {mono(e.checksum)}
          </Row>
          <Row label="Previous hash">{mono(e.previous_hash)}</Row>
          <Row label="Metadata">
            {e.extra_metadata && (
              <pre className="whitespace-pre-wrap break-all rounded bg-muted p-2 font-mono text-xs">{JSON.stringify(e.extra_metadata, null, 2)}</pre>
            )}
          </Row>
          <Row label="Entry id">{mono(e.id)}</Row>
        </dl>
      ) : null}
    </Dialog>
  );
}
