import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ArrowLeft, ArrowDownUp } from 'lucide-react';
import { useRecordHistory } from '@/api/audit';
import { groupChanges } from '@/lib/audit';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { ChangeCard } from './ChangeCard';
import { DisabledNotice } from './DisabledNotice';

/** One record's changes as a timeline (`?table_name=…&record_id=…`). */
export function AuditHistoryPage() {
  const [params] = useSearchParams();
  const table = params.get('table_name') ?? '';
  const record = params.get('record_id') ?? '';
  const history = useRecordHistory(table, record);
  const [newestFirst, setNewestFirst] = useState(true);
  const changes = useMemo(() => {
    const list = groupChanges(history.data?.entries ?? []);
    return newestFirst ? list.reverse() : list;
  }, [history.data, newestFirst]);

  const back = (
    <Link
      to={`/audit-logs?${new URLSearchParams({ table_name: table, record_id: record })}`}
      className="mb-1 inline-flex items-center gap-1 text-xs text-muted-fg hover:text-fg"
    >
      <ArrowLeft className="h-3 w-3" /> Entries of this record
    </Link>
  );

  if (!table || !record) {
    return (
      <div>
        <PageHeader title="Record history" back={back} />
        <Card>
          <EmptyState title="Choose a record">Open a record's history from a row of the audit log.</EmptyState>
        </Card>
      </div>
    );
  }

  return (
    <div>
      <PageHeader
        title="Record history"
        back={back}
        description={
          <span>
            <span className="font-mono">{table}</span> · <span className="font-mono">{record}</span>
          </span>
        }
        actions={
          <Button variant="outline" size="sm" onClick={() => setNewestFirst((v) => !v)}>
            <ArrowDownUp className="h-3.5 w-3.5" /> {newestFirst ? 'Newest first' : 'Oldest first'}
          </Button>
        }
      />
      {history.data && !history.data.audit_logging_enabled && <DisabledNotice />}
      {history.isPending ? (
        <Spinner />
      ) : history.isError ? (
        <Card>
          <ErrorState error={history.error} onRetry={() => void history.refetch()} />
        </Card>
      ) : changes.length === 0 ? (
        <Card>
          <EmptyState title="No audit entries for this record" />
        </Card>
      ) : (
        <>
          <p className="mb-3 text-xs text-muted-fg">
            {changes.length} {changes.length === 1 ? 'change' : 'changes'}, {history.data.entries.length} entries
            {history.data.truncated && ` (the first ${history.data.entries.length} of ${history.data.total})`}
          </p>
          <ol className="relative flex flex-col gap-3 before:absolute before:bottom-2 before:left-[5px] before:top-2 before:w-px before:bg-border" data-testid="audit-timeline">
            {changes.map((c) => (
              <ChangeCard key={c.key} change={c} />
            ))}
          </ol>
        </>
      )}
    </div>
  );
}
