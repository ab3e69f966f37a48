import { displayValue } from '@/lib/audit';
import { cn } from '@/lib/utils';

/** An entry's old or new value: JSON text shown plainly; absent and masked values marked. */
export function AuditValue({ raw, tone, className }: { raw: string | null; tone?: 'old' | 'new'; className?: string }) {
  const v = displayValue(raw);
  if (v.absent) return <span className="text-muted-fg">—</span>;
  if (v.masked)
    return (
      <span className="rounded bg-muted px-1 font-mono text-xs text-muted-fg" title="Masked by the server">
        ***
      </span>
    );
  return (
    <span
      className={cn(
        'whitespace-pre-wrap break-all font-mono text-xs',
        tone === 'old' && 'text-danger line-through decoration-danger/60',
        tone === 'new' && 'text-success',
        className,
      )}
      data-value={tone}
    >
      {v.text === '' ? '""' : v.text}
    </span>
  );
}

/** `old → new` in one line, for table cells. */
export function OldNew({ oldValue, newValue }: { oldValue: string | null; newValue: string | null }) {
  if (oldValue === null && newValue === null) return <span className="text-muted-fg">—</span>;
  return (
    <span className="inline-flex max-w-80 flex-wrap items-baseline gap-1">
      {oldValue !== null && <AuditValue raw={oldValue} tone="old" className="line-clamp-2" />}
      {oldValue !== null && newValue !== null && <span className="text-muted-fg" aria-label="changed to">→</span>}
      {newValue !== null && <AuditValue raw={newValue} tone="new" className="line-clamp-2" />}
    </span>
  );
}
