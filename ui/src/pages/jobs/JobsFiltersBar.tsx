import { JOB_QUEUES, JOB_STATUSES } from '@/api/jobs';
import { Button } from '@/components/ui/button';
import { Select } from '@/components/ui/input';
import { hasFilters, type JobFilters } from './job-filters';

/** Status and queue; each change goes back to the first page. */
export function JobsFiltersBar({ filters, onChange }: { filters: JobFilters; onChange: (changes: Partial<JobFilters>) => void }) {
  return (
    <div className="grid grid-cols-1 gap-2 border-b border-border p-3 sm:grid-cols-3" role="search">
      <Select value={filters.status} onChange={(e) => onChange({ status: e.target.value as JobFilters['status'] })} aria-label="Status">
        <option value="">Any status</option>
        {JOB_STATUSES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </Select>
      <Select value={filters.queue} onChange={(e) => onChange({ queue: e.target.value as JobFilters['queue'] })} aria-label="Queue">
        <option value="">Any queue</option>
        {JOB_QUEUES.map((q) => (
          <option key={q} value={q}>
            {q}
          </option>
        ))}
      </Select>
      <Button variant="ghost" disabled={!hasFilters(filters)} onClick={() => onChange({ status: '', queue: '' })}>
        Clear filters
      </Button>
    </div>
  );
}
