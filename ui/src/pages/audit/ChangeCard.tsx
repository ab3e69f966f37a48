import { PenLine } from 'lucide-react';
import { operationTone, type AuditChange } from '@/lib/audit';
import { cn, formatDateTime } from '@/lib/utils';
import { Badge } from '@/components/ui/badge';
import { AuditValue } from './AuditValue';

/** One change of a record on the timeline: who, when, the signature, and a before/after per column. */
export function ChangeCard({ change }: { change: AuditChange }) {
  const h = change.head;
  const impersonator = typeof h.extra_metadata?.impersonator === 'string' ? h.extra_metadata.impersonator : null;
  const role = typeof h.extra_metadata?.role === 'string' ? h.extra_metadata.role : null;
  const withColumns = change.diff.some((d) => d.column !== null);
  return (
    <li className="relative pl-6" data-testid="audit-change" data-operation={h.operation} data-change-seq={change.changeSeq ?? undefined}>
      <span
        className={cn(
          'absolute left-0 top-4 h-3 w-3 rounded-full border-2 border-card',
          h.operation === 'DELETE' ? 'bg-danger' : h.operation === 'CREATE' ? 'bg-success' : 'bg-primary',
        )}
        aria-hidden
      />
      <div className="rounded-lg border border-border bg-card shadow-sm">
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-border px-4 py-2 text-sm">
          <Badge tone={operationTone(h.operation)}>{h.operation}</Badge>
          <time dateTime={h.occurred_at} className="text-muted-fg">
            {formatDateTime(h.occurred_at)}
          </time>
          <span className="min-w-0 truncate" data-testid="audit-change-user">
            {h.user_email ?? h.user_name ?? (h.user_id ? <span className="font-mono text-xs">{h.user_id}</span> : <span className="text-muted-fg">system</span>)}
            {role && <span className="text-muted-fg"> · {role}</span>}
          </span>
          {impersonator && (
            <Badge tone="warn" title={`Impersonated by ${impersonator}`}>
              impersonated by {impersonator}
            </Badge>
          )}
          {h.request_id && <span className="ml-auto font-mono text-xs text-muted-fg" title="Request id">{h.request_id}</span>}
        </div>
        {h.es_username && (
          <div className="flex flex-wrap items-center gap-2 border-b border-border bg-primary/5 px-4 py-2 text-xs" data-testid="audit-change-signature">
            <PenLine className="h-3.5 w-3.5 text-primary" aria-hidden />
            <span>
              Signed by <strong>{h.es_username}</strong>
              {h.es_timestamp && <> at {formatDateTime(h.es_timestamp)}</>}
            </span>
            {h.es_reason && <span className="text-muted-fg">Reason: “{h.es_reason}”</span>}
          </div>
        )}
        {withColumns ? (
          <div className="overflow-x-auto">
            <table className="w-full text-sm">
              <thead>
                <tr className="text-left text-xs text-muted-fg">
                  <th className="px-4 py-1.5 font-medium">Column</th>
                  <th className="px-4 py-1.5 font-medium">Before</th>
                  <th className="px-4 py-1.5 font-medium">After</th>
                </tr>
              </thead>
              <tbody>
                {change.diff.map((d, i) => (
                  <tr key={`${d.column ?? ''}-${i}`} className={cn('border-t border-border', !d.changed && 'opacity-60')} data-column={d.column ?? undefined}>
                    <td className="whitespace-nowrap px-4 py-1.5 align-top font-mono text-xs">{d.column ?? '—'}</td>
                    <td className="px-4 py-1.5 align-top" data-testid="audit-diff-old">
                      <AuditValue raw={d.old} tone={d.changed ? 'old' : undefined} />
                    </td>
                    <td className="px-4 py-1.5 align-top" data-testid="audit-diff-new">
                      <AuditValue raw={d.new} tone={d.changed ? 'new' : undefined} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="px-4 py-2 text-xs text-muted-fg">No column values recorded.</p>
        )}
      </div>
    </li>
  );
}
