import { useState } from 'react';
import { Check, DatabaseBackup, Download, RefreshCw, Trash2 } from 'lucide-react';
import { downloadBackup, useBackups, useDeleteBackup, useStartBackup, type Backup } from '@/api/backups';
import { errorMessage } from '@/lib/api';
import { formatDateTime } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { useConfirm } from '@/components/ui/confirm';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import { BackupConfigCard, NoDatabaseNotice } from './BackupConfigCard';
import { contentsText, isRunning, sizeText, STATUS_TONES, TRIGGER_LABELS } from './backup-format';

/** The superadmin's backups: the settings, a backup on demand, and each archive to download or delete. */
export function BackupsPage() {
  const list = useBackups();
  const start = useStartBackup();
  const remove = useDeleteBackup();
  const confirm = useConfirm();
  const toast = useToast();
  const [downloading, setDownloading] = useState<string | null>(null);
  const data = list.data;
  const running = data ? isRunning(data.items) : false;

  const backUpNow = async () => {
    try {
      const b = await start.mutateAsync();
      toast.success(`Backup ${b.id} started`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  const onDownload = async (b: Backup) => {
    setDownloading(b.id);
    try {
      const name = await downloadBackup(b);
      toast.success(`Downloaded ${name}`);
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setDownloading(null);
    }
  };

  const onDelete = async (b: Backup) => {
    const ok = await confirm({
      title: `Delete the backup ${b.id}?`,
      message: `The archive ${b.file_name} is removed for good; this cannot be undone.`,
      confirmLabel: 'Delete backup',
      danger: true,
    });
    if (!ok) return;
    try {
      await remove.mutateAsync(b.id);
      toast.success('Backup deleted');
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title="Backups"
        description={
          data && !data.config.database_included ? 'Archives of the stored files' : 'Archives of the database and the stored files'
        }
        actions={
          <>
            <Button variant="outline" onClick={() => void list.refetch()} loading={list.isFetching && !running}>
              <RefreshCw className="h-4 w-4" /> Refresh
            </Button>
            <Button
              onClick={() => void backUpNow()}
              loading={start.isPending}
              disabled={!data || running}
              title={running ? 'A backup is running' : undefined}
            >
              <DatabaseBackup className="h-4 w-4" /> Back up now
            </Button>
          </>
        }
      />
      {!data ? (
        list.isError ? <ErrorState error={list.error} onRetry={() => void list.refetch()} /> : <Spinner />
      ) : (
        <>
          {!data.config.database_included && <NoDatabaseNotice />}
          <BackupConfigCard config={data.config} />
          <Card>
            <CardHeader title="Archives" description="Newest first" />
            {data.items.length === 0 ? (
              <div data-testid="backups-empty">
                <EmptyState title="No backups yet">
                  Back up now makes one{data.config.interval_seconds > 0 ? '; the schedule makes the next ones' : ''}.
                </EmptyState>
              </div>
            ) : (
              <TableContainer>
                <Table data-testid="backups-table">
                  <thead>
                    <tr>
                      <Th>Started</Th>
                      <Th>Trigger</Th>
                      <Th>Status</Th>
                      <Th className="text-right">Size</Th>
                      <Th className="text-right">Files</Th>
                      <Th>Verified</Th>
                      <Th className="text-right">Actions</Th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((b) => (
                      <tr
                        key={b.id}
                        className="hover:bg-muted/40"
                        data-id={b.id}
                        data-status={b.status}
                        data-verified={b.verified}
                        data-size={b.size_bytes ?? undefined}
                      >
                        <Td className="whitespace-nowrap">
                          <div>{formatDateTime(b.started_at)}</div>
                          <div className="font-mono text-xs text-muted-fg" title={b.file_name}>
                            {b.id}
                          </div>
                        </Td>
                        <Td>
                          <Badge>{TRIGGER_LABELS[b.trigger] ?? b.trigger}</Badge>
                        </Td>
                        <Td className="min-w-32">
                          <Badge tone={STATUS_TONES[b.status] ?? 'neutral'}>{b.status}</Badge>
                          {b.error && (
                            <p className="mt-1 max-w-80 break-words text-xs text-danger" data-testid="backup-error">
                              {b.error}
                            </p>
                          )}
                        </Td>
                        <Td className="whitespace-nowrap text-right tabular-nums" title={contentsText(b)} data-testid="backup-size">
                          {sizeText(b)}
                        </Td>
                        <Td className="text-right tabular-nums" data-testid="backup-files">
                          {b.files_count === null ? '—' : b.files_count.toLocaleString()}
                        </Td>
                        <Td data-testid="backup-verified">
                          {b.verified ? (
                            <Check className="h-4 w-4 text-success" role="img" aria-label="Verified" />
                          ) : (
                            <span className="text-muted-fg">—</span>
                          )}
                        </Td>
                        <Td className="whitespace-nowrap text-right">
                          <Button
                            variant="ghost"
                            size="sm"
                            aria-label={`Download ${b.id}`}
                            title="Download"
                            disabled={b.status !== 'completed' || (downloading !== null && downloading !== b.id)}
                            loading={downloading === b.id}
                            onClick={() => void onDownload(b)}
                          >
                            {downloading !== b.id && <Download className="h-3.5 w-3.5" />}
                          </Button>
                          <Button
                            variant="ghost"
                            size="sm"
                            aria-label={`Delete ${b.id}`}
                            title="Delete"
                            disabled={b.status === 'running'}
                            onClick={() => void onDelete(b)}
                          >
                            <Trash2 className="h-3.5 w-3.5" />
                          </Button>
                        </Td>
                      </tr>
                    ))}
                  </tbody>
                </Table>
              </TableContainer>
            )}
          </Card>
        </>
      )}
    </div>
  );
}
