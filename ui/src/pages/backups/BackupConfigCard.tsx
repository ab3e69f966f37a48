import { AlertTriangle } from 'lucide-react';
import type { BackupConfig } from '@/api/backups';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import { DefinitionRow } from '@/pages/storage/DefinitionRow';
import { destinationText, keepText, scheduleText } from './backup-format';

/** Shown on PostgreSQL, where the archives hold the stored files only. */
export function NoDatabaseNotice() {
  return (
    <div
      role="alert"
      data-testid="backups-no-database"
      className="flex items-start gap-2 rounded-md border border-warn/50 bg-warn/10 px-3 py-2 text-sm text-warn"
    >
      <AlertTriangle className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
      <span>
        The database is not in these backups: on PostgreSQL only the stored files are backed up. Back up the database with{' '}
        <code className="font-mono">pg_dump</code> as <code className="font-mono">docs/operations.md</code> describes.
      </span>
    </div>
  );
}

/** Where archives go, how often and how many stay: the server's configuration, read-only here. */
export function BackupConfigCard({ config }: { config: BackupConfig }) {
  return (
    <Card data-testid="backups-config" data-destination={config.destination}>
      <CardHeader title="Settings" description="Set with the SNACKBASE_BACKUP_* environment variables; a change needs a restart" />
      <dl className="divide-y divide-border">
        <DefinitionRow label="Directory" testId="backups-directory">
          <span className="break-all font-mono text-xs">{config.directory}</span>
        </DefinitionRow>
        <DefinitionRow label="Destination" testId="backups-destination">
          {destinationText(config.destination)}
        </DefinitionRow>
        <DefinitionRow label="Schedule" testId="backups-schedule">
          {scheduleText(config.interval_seconds)}
        </DefinitionRow>
        <DefinitionRow label="Kept" testId="backups-keep">
          {keepText(config.keep)}
        </DefinitionRow>
        <DefinitionRow label="Database" testId="backups-database">
          {config.database_included ? (
            <Badge tone="success">Included</Badge>
          ) : (
            <Badge tone="warn">Not included (PostgreSQL)</Badge>
          )}
        </DefinitionRow>
      </dl>
    </Card>
  );
}
