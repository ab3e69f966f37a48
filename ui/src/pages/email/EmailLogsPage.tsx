import { Link, useNavigate, useSearchParams } from 'react-router';
import { RefreshCw } from 'lucide-react';
import { useEmailLogs, type EmailLogFilters } from '@/api/email';
import { useEmailTemplates } from '@/api/invitations';
import { ApiError } from '@/lib/api';
import { templateTitle } from '@/lib/email-templates';
import { formatDateTime } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { FormError } from '@/components/ui/form-field';
import { Input, Label, Select } from '@/components/ui/input';
import { Pagination } from '@/components/ui/pagination';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';
import { EmailTabs } from './EmailTabs';

const PAGE_SIZE = 25;
const FILTER_KEYS = ['status', 'template', 'from', 'to'];

export const emailStatusTone = (status: string) => (status === 'sent' ? 'success' : status === 'failed' ? 'danger' : 'neutral');

/** Every message the server sent or failed to send, newest first; filters in the URL. */
export function EmailLogsPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const templates = useEmailTemplates();
  const get = (k: string) => params.get(k) ?? '';
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };
  const filters: EmailLogFilters = {
    status_filter: get('status'),
    template_type: get('template'),
    start_date: get('from'),
    end_date: get('to'),
    page,
    page_size: PAGE_SIZE,
  };
  const logs = useEmailLogs(filters);
  const filtered = FILTER_KEYS.some((k) => params.get(k));
  const invalid = logs.error instanceof ApiError && logs.error.status === 422 ? logs.error : null;
  const pageCount = logs.data ? Math.max(1, Math.ceil(logs.data.total / logs.data.page_size)) : 1;

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title="Email"
        description="What the server sent, or failed to send; tokens and links are not kept"
        actions={
          <Button variant="outline" onClick={() => void logs.refetch()} loading={logs.isFetching}>
            <RefreshCw className="h-4 w-4" /> Refresh
          </Button>
        }
      />
      <EmailTabs />
      <Card>
        <div className="grid grid-cols-1 gap-2 border-b border-border p-3 sm:grid-cols-2 lg:grid-cols-5" role="search">
          <div className="flex flex-col gap-1">
            <Label htmlFor="email-status">Status</Label>
            <Select id="email-status" value={get('status')} onChange={(e) => set({ status: e.target.value, page: null })}>
              <option value="">Sent and failed</option>
              <option value="sent">Sent</option>
              <option value="failed">Failed</option>
            </Select>
          </div>
          <div className="flex flex-col gap-1">
            <Label htmlFor="email-template">Template</Label>
            <Select id="email-template" value={get('template')} onChange={(e) => set({ template: e.target.value, page: null })}>
              <option value="">Any template</option>
              {templates.data?.map((t) => (
                <option key={t.key} value={t.key}>
                  {templateTitle(t.key)}
                </option>
              ))}
            </Select>
          </div>
          <div className="flex flex-col gap-1">
            <Label htmlFor="email-from">From (day)</Label>
            <Input id="email-from" type="date" value={get('from')} onChange={(e) => set({ from: e.target.value, page: null })} />
          </div>
          <div className="flex flex-col gap-1">
            <Label htmlFor="email-to">To (day, included)</Label>
            <Input id="email-to" type="date" value={get('to')} onChange={(e) => set({ to: e.target.value, page: null })} />
          </div>
          <div className="flex items-end">
            <Button variant="ghost" disabled={!filtered} onClick={() => set({ status: null, template: null, from: null, to: null, page: null })}>
              Clear filters
            </Button>
          </div>
        </div>
        {invalid ? (
          <div className="p-3">
            <FormError message={invalid.details.map((d) => d.message).join('; ') || invalid.message} />
          </div>
        ) : logs.isPending ? (
          <Spinner />
        ) : logs.isError ? (
          <ErrorState error={logs.error} onRetry={() => void logs.refetch()} />
        ) : logs.data.logs.length === 0 ? (
          <EmptyState title={filtered ? 'No messages match these filters' : 'No email sent yet'}>
            {!filtered && (
              <>
                Send a test from the{' '}
                <Link to="/email-templates" className="text-primary hover:underline">
                  templates
                </Link>
                .
              </>
            )}
          </EmptyState>
        ) : (
          <>
            <TableContainer>
              <Table data-testid="email-logs-table">
                <thead>
                  <tr>
                    <Th>Time</Th>
                    <Th>Status</Th>
                    <Th>Recipient</Th>
                    <Th>Subject</Th>
                    <Th>Template</Th>
                  </tr>
                </thead>
                <tbody>
                  {logs.data.logs.map((l) => (
                    <tr
                      key={l.id}
                      className="cursor-pointer hover:bg-muted/40"
                      data-id={l.id}
                      data-status={l.status}
                      data-recipient={l.recipient_email}
                      onClick={() => navigate(`/email-logs/${encodeURIComponent(l.id)}`)}
                    >
                      <Td className="whitespace-nowrap text-muted-fg">{formatDateTime(l.sent_at)}</Td>
                      <Td>
                        <Badge tone={emailStatusTone(l.status)}>{l.status}</Badge>
                      </Td>
                      <Td className="max-w-64 truncate">
                        <Link
                          to={`/email-logs/${encodeURIComponent(l.id)}`}
                          className="hover:underline"
                          onClick={(e) => e.stopPropagation()}
                          aria-label={`Details of the message to ${l.recipient_email}`}
                        >
                          {l.recipient_email}
                        </Link>
                      </Td>
                      <Td className="max-w-96 truncate">{l.subject}</Td>
                      <Td className="font-mono text-xs">{l.template_type}</Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            </TableContainer>
            <Pagination page={page} pageCount={pageCount} total={logs.data.total} noun="messages" onPage={(p) => set({ page: String(p) })} />
          </>
        )}
      </Card>
    </div>
  );
}
