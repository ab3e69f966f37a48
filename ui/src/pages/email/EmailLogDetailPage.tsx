import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { ArrowLeft } from 'lucide-react';
import { useEmailLog } from '@/api/email';
import { formatDateTime } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { ErrorState, Spinner } from '@/components/ui/states';
import { EmailTabs } from './EmailTabs';
import { emailStatusTone } from './EmailLogsPage';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-1 gap-0.5 px-4 py-2 sm:grid-cols-[9rem_1fr] sm:gap-3">
      <dt className="text-xs font-medium text-muted-fg">{label}</dt>
      <dd className="min-w-0 break-all text-sm">{children ?? <span className="text-muted-fg">—</span>}</dd>
    </div>
  );
}

/** One email log entry (`/admin/email/logs/{id}`). */
export function EmailLogDetailPage() {
  const { id = '' } = useParams();
  const log = useEmailLog(id);
  const entry = log.data;
  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        back={
          <Link to="/email-logs" className="mb-1 inline-flex items-center gap-1 text-xs text-muted-fg hover:text-fg">
            <ArrowLeft className="h-3 w-3" /> Email log
          </Link>
        }
        title="Message"
        description={entry ? entry.subject : undefined}
      />
      <EmailTabs />
      {log.isPending ? (
        <Spinner />
      ) : log.isError ? (
        <ErrorState error={log.error} onRetry={() => void log.refetch()} />
      ) : entry ? (
        <Card>
          <dl className="divide-y divide-border" data-testid="email-log-detail" data-status={entry.status}>
            <Row label="Time">{formatDateTime(entry.sent_at)}</Row>
            <Row label="Status">
              <Badge tone={emailStatusTone(entry.status)}>{entry.status}</Badge>
            </Row>
            <Row label="Error">{entry.error_message && <span className="text-danger" data-testid="email-log-error">{entry.error_message}</span>}</Row>
            <Row label="Recipient">{entry.recipient_email}</Row>
            <Row label="Subject">{entry.subject}</Row>
            <Row label="Template">
              <span className="font-mono text-xs">{entry.template_type}</span>
            </Row>
            <Row label="Provider">{entry.provider}</Row>
            <Row label="Account">{entry.account_id && <span className="font-mono text-xs">{entry.account_id}</span>}</Row>
            <Row label="Variables">
              {Object.keys(entry.variables).length ? (
                <pre className="overflow-x-auto whitespace-pre-wrap rounded bg-muted px-2 py-1 font-mono text-xs" data-testid="email-log-variables">
                  {JSON.stringify(entry.variables, null, 2)}
                </pre>
              ) : null}
            </Row>
            <Row label="Entry id">
              <span className="font-mono text-xs">{entry.id}</span>
            </Row>
          </dl>
        </Card>
      ) : null}
    </div>
  );
}
