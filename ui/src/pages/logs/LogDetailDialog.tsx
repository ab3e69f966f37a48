import type { ReactNode } from 'react';
import { Copy } from 'lucide-react';
import { useLog } from '@/api/logs';
import { copyText, formatDateTime } from '@/lib/utils';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { formatDuration, statusTone } from './log-format';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-1 gap-0.5 py-2 sm:grid-cols-[9rem_1fr] sm:gap-3">
      <dt className="text-xs font-medium text-muted-fg">{label}</dt>
      <dd className="min-w-0 break-all text-sm">{children ?? <span className="text-muted-fg">—</span>}</dd>
    </div>
  );
}

/** One request-log entry, loaded from `/admin/logs/{id}`. */
export function LogDetailDialog({ id, onClose }: { id: string | null; onClose: () => void }) {
  const log = useLog(id);
  const toast = useToast();
  const entry = log.data;
  return (
    <Dialog
      open={id !== null}
      onClose={onClose}
      size="lg"
      title="Request"
      description={entry ? <span className="break-all font-mono text-xs">{`${entry.method} ${entry.path}`}</span> : undefined}
      footer={
        entry && (
          <Button
            variant="outline"
            onClick={() =>
              void copyText(JSON.stringify(entry, null, 2)).then(
                () => toast.success('Copied as JSON'),
                () => toast.error('Could not copy'),
              )
            }
          >
            <Copy className="h-4 w-4" /> Copy as JSON
          </Button>
        )
      }
    >
      {log.isPending ? (
        <Spinner />
      ) : log.isError ? (
        <ErrorState error={log.error} />
      ) : entry ? (
        <dl className="divide-y divide-border" data-testid="log-detail">
          <Row label="Time">{formatDateTime(entry.created_at)}</Row>
          <Row label="Method">
            <span className="font-mono">{entry.method}</span>
          </Row>
          <Row label="Path">
            <span className="font-mono text-xs" data-testid="log-detail-path">
              {entry.path}
            </span>
          </Row>
          <Row label="Status">
            <Badge tone={statusTone(entry.status)}>{entry.status}</Badge>
          </Row>
          <Row label="Duration">{formatDuration(entry.duration_ms)}</Row>
          <Row label="Error">{entry.error && <span className="text-danger">{entry.error}</span>}</Row>
          <Row label="Account">{entry.account_id && <span className="font-mono text-xs">{entry.account_id}</span>}</Row>
          <Row label="User">{entry.user_id && <span className="font-mono text-xs">{entry.user_id}</span>}</Row>
          {entry.impersonator_id && (
            <Row label="Impersonator">
              <span className="font-mono text-xs" data-testid="log-detail-impersonator">
                {entry.impersonator_id}
              </span>
            </Row>
          )}
          <Row label="IP">{entry.ip}</Row>
          <Row label="User agent">{entry.user_agent && <span className="text-xs">{entry.user_agent}</span>}</Row>
          <Row label="Correlation id">
            <span className="font-mono text-xs">{entry.correlation_id}</span>
          </Row>
          <Row label="Entry id">
            <span className="font-mono text-xs">{entry.id}</span>
          </Row>
        </dl>
      ) : null}
    </Dialog>
  );
}
