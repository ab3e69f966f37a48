import type { AuditByOperation } from '@/lib/types';
import { Card, CardHeader } from '@/components/ui/card';

const PARTS: [keyof Omit<AuditByOperation, 'date'>, string, string][] = [
  ['create', 'Created', 'bg-emerald-500'],
  ['update', 'Updated', 'bg-sky-500'],
  ['delete', 'Deleted', 'bg-rose-500'],
];

/** Audited changes per day over the dashboard's range, as stacked bars. */
export function AuditActivityCard({ days }: { days: AuditByOperation[] }) {
  const totals = PARTS.map(([key]) => days.reduce((sum, d) => sum + d[key], 0));
  const highest = Math.max(1, ...days.map((d) => d.create + d.update + d.delete));
  return (
    <Card data-testid="audit-activity">
      <CardHeader
        title="Audited changes"
        description={`Per day over the last ${days.length} days (each change once, whatever it touched)`}
      />
      <div className="px-4 pb-4">
        <div className="flex h-28 items-end gap-px" role="list" aria-label="Audited changes per day">
          {days.map((d) => {
            const total = d.create + d.update + d.delete;
            return (
              <div
                key={d.date}
                role="listitem"
                className="flex h-full min-w-0 flex-1 flex-col justify-end"
                title={`${d.date}: ${d.create} created, ${d.update} updated, ${d.delete} deleted`}
                data-date={d.date}
                data-create={d.create}
                data-update={d.update}
                data-delete={d.delete}
              >
                {PARTS.map(([key, , color]) =>
                  d[key] > 0 ? (
                    <div key={key} className={color} style={{ height: `${(d[key] / highest) * 100}%` }} />
                  ) : null,
                )}
                {total === 0 && <div className="h-px bg-border" />}
              </div>
            );
          })}
        </div>
        <div className="mt-3 flex flex-wrap gap-4 text-xs text-muted-fg">
          {PARTS.map(([key, label, color], i) => (
            <span key={key} className="flex items-center gap-1.5">
              <span className={`inline-block h-2 w-2 rounded-sm ${color}`} />
              {label} <span className="font-medium tabular-nums text-fg">{totals[i]}</span>
            </span>
          ))}
        </div>
      </div>
    </Card>
  );
}
