import type { ReactNode } from 'react';
import { Copy } from 'lucide-react';
import { useJob } from '@/api/jobs';
import { copyText } from '@/lib/utils';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { attemptsText, durationText, STATUS_TONES, timeText } from './job-format';

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="grid grid-cols-1 gap-0.5 py-2 sm:grid-cols-[9rem_1fr] sm:gap-3" data-testid={testId}>
      <dt className="text-xs font-medium text-muted-fg">{label}</dt>
      <dd className="min-w-0 break-all text-sm">{children ?? <span className="text-muted-fg">—</span>}</dd>
    </div>
  );
}

const mono = (v: string | null) => (v === null || v === '' ? null : <span className="font-mono text-xs">{v}</span>);
const time = (v: string | null) => (v === null ? null : <span title={v}>{timeText(v)}</span>);

/** Every field of one job and its payload, loaded from `/admin/jobs/{id}` (refreshed while open). */
export function JobDetailDialog({ id, onClose }: { id: string | null; onClose: () => void }) {
  const q = useJob(id);
  const toast = useToast();
  const j = q.data;
  return (
    <Dialog
      open={id !== null}
      onClose={onClose}
      size="lg"
      title="Job"
      description={<span className="break-all font-mono text-xs">{id}</span>}
      footer={
        j && (
          <Button
            variant="outline"
            onClick={() =>
              void copyText(JSON.stringify(j, null, 2)).then(
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
      {q.isPending ? (
        <Spinner />
      ) : q.isError ? (
        <ErrorState error={q.error} />
      ) : j ? (
        <dl className="divide-y divide-border" data-testid="job-detail" data-status={j.status}>
          <Row label="Status">
            <Badge tone={STATUS_TONES[j.status] ?? 'neutral'}>{j.status}</Badge>
          </Row>
          <Row label="Queue">{mono(j.queue)}</Row>
          <Row label="Handler">{mono(j.handler)}</Row>
          <Row label="Payload" testId="job-detail-payload">
            <pre className="whitespace-pre-wrap break-all rounded bg-muted p-2 font-mono text-xs">{JSON.stringify(j.payload, null, 2)}</pre>
          </Row>
          <Row label="Attempts" testId="job-detail-attempts">
            {attemptsText(j)}
          </Row>
          <Row label="Retry delay">{j.max_retries > 0 ? `${durationText(j.retry_delay_seconds)}, doubling after each attempt` : null}</Row>
          <Row label="Error" testId="job-detail-error">
            {j.error_message && <span className="text-danger">{j.error_message}</span>}
          </Row>
          <Row label="Created">{time(j.created_at)}</Row>
          <Row label="Next run">{time(j.run_at)}</Row>
          <Row label="Started">{time(j.started_at)}</Row>
          <Row label="Completed">{time(j.completed_at)}</Row>
          <Row label="Failed">{time(j.failed_at)}</Row>
          <Row label="Priority">{j.priority}</Row>
          <Row label="Account">{j.account_id ? mono(j.account_id) : <span className="text-muted-fg">system</span>}</Row>
          <Row label="Created by">{mono(j.created_by)}</Row>
          <Row label="Job id">{mono(j.id)}</Row>
        </dl>
      ) : null}
    </Dialog>
  );
}
