import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';

export interface LocalStorageInfo {
  path: string;
}

/** The S3 settings as the server shows them: the keys are already redacted there. */
export interface S3StorageInfo {
  bucket: string;
  region: string;
  endpoint: string | null;
  force_path_style: boolean;
  access_key_id: string | null;
  secret_access_key: string | null;
}

export interface StorageLimits {
  max_file_size: number;
  allowed_mime_types: string[];
  file_token_seconds: number;
}

/** One run of the orphan sweeper. */
export interface SweepReport {
  started_at: string;
  finished_at: string;
  rows_forgotten: number;
  objects_deleted: number;
  error: string | null;
}

export interface StorageSweeper {
  interval_seconds: number;
  grace_seconds: number;
  last_run: SweepReport | null;
}

export interface AccountUsage {
  account_id: string;
  account_name: string;
  files: number;
  bytes: number;
}

export interface StorageUsage {
  files: number;
  bytes: number;
  /** Biggest first, at most 50. */
  by_account: AccountUsage[];
}

/** `GET /admin/storage`: the storage backend, limits, sweeper and usage. */
export interface StorageInfo {
  backend: 'local' | 's3';
  /** The storage configuration in use; null: the environment's settings. */
  configuration_id: string | null;
  local: LocalStorageInfo | null;
  s3: S3StorageInfo | null;
  limits: StorageLimits;
  sweeper: StorageSweeper;
  usage: StorageUsage;
}

const INFO_KEY = ['storage', 'info'];

export function useStorageInfo() {
  return useQuery({
    queryKey: INFO_KEY,
    queryFn: ({ signal }) => api.get<StorageInfo>('/admin/storage', { signal }),
  });
}

/** `POST /admin/storage/sweep`: removes orphaned files now; the report becomes the last run. */
export function useSweepStorage() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<SweepReport>('/admin/storage/sweep'),
    onSuccess: (report) => {
      qc.setQueryData<StorageInfo>(INFO_KEY, (info) => (info ? { ...info, sweeper: { ...info.sweeper, last_run: report } } : info));
      void qc.invalidateQueries({ queryKey: INFO_KEY });
    },
  });
}
