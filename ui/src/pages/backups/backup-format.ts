import type { Backup, BackupConfig, BackupStatus, BackupTrigger } from '@/api/backups';
import type { BadgeTone } from '@/components/ui/badge';
import { formatBytes, formatSeconds } from '@/pages/storage/storage-format';

export const STATUS_TONES: Record<BackupStatus, BadgeTone> = {
  running: 'primary',
  completed: 'success',
  failed: 'danger',
};

export const TRIGGER_LABELS: Record<BackupTrigger, string> = {
  manual: 'Manual',
  scheduled: 'Scheduled',
  cli: 'CLI',
};

/** `Not scheduled`, `Every hour`, `Every 6 hours`; an interval that is no whole number of hours as `Every 1 h 30 min`. */
export function scheduleText(intervalSeconds: number): string {
  if (intervalSeconds <= 0) return 'Not scheduled';
  if (intervalSeconds % 3600 === 0) {
    const hours = intervalSeconds / 3600;
    return hours === 1 ? 'Every hour' : `Every ${hours} hours`;
  }
  return `Every ${formatSeconds(intervalSeconds)}`;
}

/** `The newest 7`: older completed backups are deleted after a new one. */
export function keepText(keep: number): string {
  return keep === 1 ? 'The newest one' : `The newest ${keep}`;
}

export function destinationText(destination: BackupConfig['destination']): string {
  return destination === 'storage' ? 'File storage' : 'Local directory';
}

/** The archive's size, or `—` while it runs or when it failed. */
export function sizeText(b: Backup): string {
  return b.size_bytes === null ? '—' : formatBytes(b.size_bytes);
}

/** What the archive holds: `Database 1.2 MiB, files 3 KiB` (no database part on PostgreSQL). */
export function contentsText(b: Backup): string | undefined {
  const parts: string[] = [];
  if (b.database_bytes !== null) parts.push(`Database ${formatBytes(b.database_bytes)}`);
  if (b.files_bytes !== null) parts.push(`${parts.length ? 'files' : 'Files'} ${formatBytes(b.files_bytes)}`);
  return parts.length ? parts.join(', ') : undefined;
}

export function isRunning(items: Backup[]): boolean {
  return items.some((b) => b.status === 'running');
}
