import { Trash2 } from 'lucide-react';
import { useSweepStorage, type StorageSweeper } from '@/api/storage';
import { errorMessage } from '@/lib/api';
import { formatDateTime } from '@/lib/utils';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { useToast } from '@/components/ui/toast';
import { DefinitionRow, None } from './DefinitionRow';
import { formatSeconds, sweepSummary } from './storage-format';

/** The orphan sweeper: its schedule, its last run, and a run on demand. */
export function SweeperCard({ sweeper }: { sweeper: StorageSweeper }) {
  const sweep = useSweepStorage();
  const toast = useToast();
  const run = sweeper.last_run;

  const sweepNow = async () => {
    try {
      const report = await sweep.mutateAsync();
      if (report.error) toast.error(sweepSummary(report));
      else toast.success(`Sweep done: ${sweepSummary(report)}`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  return (
    <Card data-testid="storage-sweeper">
      <CardHeader
        title="Orphan sweeper"
        description="Deletes files no record or upload holds (of deleted records, fields, collections or accounts) once they are older than the grace period"
        actions={
          <Button variant="outline" size="sm" onClick={() => void sweepNow()} loading={sweep.isPending}>
            <Trash2 className="h-4 w-4" /> Sweep now
          </Button>
        }
      />
      <dl className="divide-y divide-border">
        <DefinitionRow label="Runs every">{formatSeconds(sweeper.interval_seconds)}</DefinitionRow>
        <DefinitionRow label="Grace period">{formatSeconds(sweeper.grace_seconds)}</DefinitionRow>
        <DefinitionRow label="Last run" testId="storage-last-run">
          {run ? (
            <div className="flex flex-col gap-1" data-finished={run.finished_at}>
              <div className="flex flex-wrap items-center gap-2">
                <Badge tone={run.error ? 'danger' : 'success'}>{run.error ? 'failed' : 'ok'}</Badge>
                <span className="text-muted-fg">{formatDateTime(run.finished_at)}</span>
              </div>
              <span>{sweepSummary(run)}</span>
            </div>
          ) : (
            <None>Not run yet</None>
          )}
        </DefinitionRow>
      </dl>
    </Card>
  );
}
