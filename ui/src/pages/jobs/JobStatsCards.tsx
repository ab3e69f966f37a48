import type { ReactNode } from 'react';
import { JOB_STATUSES, type JobStats } from '@/api/jobs';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { durationText, percentText, STATUS_TONES } from './job-format';

function Stat({ label, value, testId, title }: { label: ReactNode; value: string; testId: string; title?: string }) {
  return (
    <Card className="min-w-0 p-3" data-testid={testId} title={title}>
      <div className="truncate text-xs font-medium text-muted-fg">{label}</div>
      <div className="mt-1 truncate text-xl font-semibold tabular-nums" data-testid={`${testId}-value`}>
        {value}
      </div>
    </Card>
  );
}

/** Counts per status across every queue, the mean duration and the failure rate. */
export function JobStatsCards({ stats }: { stats: JobStats }) {
  return (
    <div className="grid grid-cols-2 gap-3 sm:grid-cols-4 xl:grid-cols-8" data-testid="jobs-stats">
      {JOB_STATUSES.map((s) => (
        <Stat key={s} testId={`jobs-stat-${s}`} label={<Badge tone={STATUS_TONES[s]}>{s}</Badge>} value={stats[s].toLocaleString()} />
      ))}
      <Stat
        testId="jobs-stat-duration"
        label="Avg duration"
        value={durationText(stats.avg_duration_seconds)}
        title="From creation to completion, of completed jobs"
      />
      <Stat
        testId="jobs-stat-failure-rate"
        label="Failure rate"
        value={percentText(stats.failure_rate)}
        title="Failed and dead jobs among those finished"
      />
    </div>
  );
}
