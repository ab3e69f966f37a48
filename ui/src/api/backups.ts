// Backups (`/admin/backups…`, superadmin only): the list with the server's
// backup settings, a backup on demand, the archive's download and deletion.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import { saveBlob } from '@/lib/utils';

export type BackupStatus = 'running' | 'completed' | 'failed';
export type BackupTrigger = 'manual' | 'scheduled' | 'cli';

/** One archive, `snackbase-<UTC time>.tar.zst`. The sizes and counts are null until it completes. */
export interface Backup {
  id: string;
  file_name: string;
  status: BackupStatus;
  trigger: BackupTrigger;
  started_at: string;
  finished_at: string | null;
  size_bytes: number | null;
  database_bytes: number | null;
  files_count: number | null;
  files_bytes: number | null;
  /** The archive was read back and its contents checked after writing. */
  verified: boolean;
  error: string | null;
  sha256: string | null;
}

/** How the server backs up; from its configuration, read-only here. */
export interface BackupConfig {
  directory: string;
  destination: 'local' | 'storage';
  /** 0: no schedule, only backups on demand. */
  interval_seconds: number;
  keep: number;
  /** False on PostgreSQL: the archives hold the stored files only (the database needs pg_dump). */
  database_included: boolean;
}

/** `GET /admin/backups`: newest first. */
export interface BackupList {
  items: Backup[];
  total: number;
  config: BackupConfig;
}

const LIST_KEY = ['backups', 'list'];

/** A running backup finishes in the background: its row is polled every second until it is done. */
export const RUNNING_POLL_MS = 1000;

export function useBackups() {
  return useQuery({
    queryKey: LIST_KEY,
    queryFn: ({ signal }) => api.get<BackupList>('/admin/backups', { signal }),
    refetchInterval: (query) => (query.state.data?.items.some((b) => b.status === 'running') ? RUNNING_POLL_MS : false),
  });
}

/**
 * `POST /admin/backups`: starts a backup (202, status `running`). The new row
 * goes into the list at once, which starts the polling. A 409 means one is
 * already running: the list is reloaded to show it.
 */
export function useStartBackup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<Backup>('/admin/backups'),
    onSuccess: (backup) => {
      qc.setQueryData<BackupList>(LIST_KEY, (list) =>
        list && !list.items.some((b) => b.id === backup.id)
          ? { ...list, items: [backup, ...list.items], total: list.total + 1 }
          : list,
      );
    },
    onSettled: () => qc.invalidateQueries({ queryKey: LIST_KEY }),
  });
}

/** `DELETE /admin/backups/{id}`: removes the archive; refused (409) while it runs. */
export function useDeleteBackup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.del<void>(`/admin/backups/${encodeURIComponent(id)}`),
    onSuccess: (_, id) => {
      qc.setQueryData<BackupList>(LIST_KEY, (list) =>
        list ? { ...list, items: list.items.filter((b) => b.id !== id), total: Math.max(0, list.total - 1) } : list,
      );
      void qc.invalidateQueries({ queryKey: LIST_KEY });
    },
  });
}

/** Downloads an archive with the session's token and offers it as a file; resolves to its name. */
export async function downloadBackup(backup: Backup): Promise<string> {
  const file = await api.download(`/admin/backups/${encodeURIComponent(backup.id)}/download`);
  const name = file.filename ?? backup.file_name;
  saveBlob(name, file.blob);
  return name;
}
