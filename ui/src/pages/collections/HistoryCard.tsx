import { useCollectionHistory } from '@/api/collections';
import type { Change, Json } from '@/lib/types';
import { formatDateTime } from '@/lib/utils';
import { Card, CardHeader } from '@/components/ui/card';
import { ErrorState, Spinner } from '@/components/ui/states';
import { describeChange } from './builder-model';

function isChange(v: Json): v is Json & Change {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.op === 'string';
}

function summary(changes: Json): string[] {
  if (Array.isArray(changes)) return changes.filter(isChange).map((c) => describeChange(c).text);
  if (changes && typeof changes === 'object' && !Array.isArray(changes) && Array.isArray(changes.fields)) {
    return [`Created with ${changes.fields.length} fields`];
  }
  return [];
}

export function HistoryCard({ id }: { id: string }) {
  const history = useCollectionHistory(id);
  return (
    <Card className="mt-4">
      <CardHeader title="History" description="Every schema change, newest first" />
      {history.isPending ? (
        <Spinner />
      ) : history.isError ? (
        <ErrorState error={history.error} />
      ) : (
        <ol className="divide-y divide-border">
          {[...history.data].reverse().map((h) => (
            <li key={h.id} className="flex flex-col gap-1 px-4 py-2 text-sm sm:flex-row sm:gap-4">
              <span className="w-28 shrink-0 font-medium">
                v{h.version} · {h.operation}
              </span>
              <span className="min-w-0 flex-1">{summary(h.changes).join('; ') || '—'}</span>
              <span className="shrink-0 text-xs text-muted-fg">{formatDateTime(h.created_at)}</span>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
