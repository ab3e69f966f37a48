import { Link } from 'react-router';
import { Ban, Info, RotateCcw } from 'lucide-react';
import type { Job } from '@/api/jobs';
import { formatDateTime } from '@/lib/utils';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';
import { attemptsText, canCancel, canRetry, nextRunText, STATUS_TONES, timeText } from './job-format';

interface JobsTableProps {
  items: Job[];
  /** For the next run's `in 4 s`. */
  now: number;
  /** The action waiting for the server, if any. */
  busy: { id: string; action: 'retry' | 'cancel' } | null;
  onOpen: (job: Job) => void;
  onRetry: (job: Job) => void;
  onCancel: (job: Job) => void;
}

/** One row per job, newest first; Retry and Cancel only where the server allows them. */
export function JobsTable({ items, now, busy, onOpen, onRetry, onCancel }: JobsTableProps) {
  return (
    <TableContainer>
      <Table data-testid="jobs-table">
        <thead>
          <tr>
            <Th>Created</Th>
            <Th>Queue</Th>
            <Th>Status</Th>
            <Th className="text-right">Attempts</Th>
            <Th>Next run</Th>
            <Th>Error</Th>
            <Th>Account</Th>
            <Th className="text-right">Actions</Th>
          </tr>
        </thead>
        <tbody>
          {items.map((j) => (
            <tr
              key={j.id}
              className="cursor-pointer hover:bg-muted/40"
              data-id={j.id}
              data-queue={j.queue}
              data-handler={j.handler}
              data-status={j.status}
              data-attempts={j.attempt_number}
              onClick={() => onOpen(j)}
            >
              <Td className="whitespace-nowrap">
                <div>{formatDateTime(j.created_at)}</div>
                <div className="max-w-40 truncate font-mono text-xs text-muted-fg" title={j.id}>
                  {j.id}
                </div>
              </Td>
              <Td className="whitespace-nowrap">
                <Badge>{j.queue}</Badge>
                <div className="mt-0.5 font-mono text-xs text-muted-fg">{j.handler}</div>
              </Td>
              <Td>
                <Badge tone={STATUS_TONES[j.status] ?? 'neutral'}>{j.status}</Badge>
              </Td>
              <Td className="whitespace-nowrap text-right tabular-nums" data-testid="job-attempts">
                {attemptsText(j)}
              </Td>
              <Td className="whitespace-nowrap text-muted-fg" title={j.run_at ? timeText(j.run_at) : undefined} data-testid="job-next-run">
                {nextRunText(j.run_at, now)}
              </Td>
              <Td className="max-w-44 2xl:max-w-80">
                {j.error_message ? (
                  <span className="block truncate text-xs text-danger" title={j.error_message} data-testid="job-error">
                    {j.error_message}
                  </span>
                ) : (
                  <span className="text-muted-fg">—</span>
                )}
              </Td>
              <Td className="whitespace-nowrap font-mono text-xs">
                {j.account_id ? (
                  <Link to={`/accounts/${j.account_id}`} className="hover:underline" onClick={(e) => e.stopPropagation()}>
                    {j.account_id}
                  </Link>
                ) : (
                  <span className="font-sans text-muted-fg">system</span>
                )}
              </Td>
              <Td className="whitespace-nowrap text-right" onClick={(e) => e.stopPropagation()}>
                <Button variant="ghost" size="sm" className="px-2" aria-label={`Details of ${j.id}`} title="Details" onClick={() => onOpen(j)}>
                  <Info className="h-3.5 w-3.5" />
                </Button>
                {canRetry(j) && (
                  <Button
                    variant="ghost"
                    size="sm"
                    className="px-2"
                    aria-label={`Retry ${j.id}`}
                    title="Retry now with fresh attempts"
                    disabled={busy !== null}
                    loading={busy?.id === j.id && busy.action === 'retry'}
                    onClick={() => onRetry(j)}
                  >
                    {!(busy?.id === j.id && busy.action === 'retry') && <RotateCcw className="h-3.5 w-3.5" />}
                  </Button>
                )}
                {canCancel(j) && (
                  <Button
                    variant="ghost"
                    size="sm"
                    className="px-2"
                    aria-label={`Cancel ${j.id}`}
                    title="Cancel: the delivery is not sent"
                    disabled={busy !== null}
                    loading={busy?.id === j.id && busy.action === 'cancel'}
                    onClick={() => onCancel(j)}
                  >
                    {!(busy?.id === j.id && busy.action === 'cancel') && <Ban className="h-3.5 w-3.5" />}
                  </Button>
                )}
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </TableContainer>
  );
}
