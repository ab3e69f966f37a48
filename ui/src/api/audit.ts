// The audit trail (`/audit-logs…`): list, one entry, a record's history,
// export, chain verification, the signing key and per-collection settings.

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import { exportFilename, exportQuery, listQuery, MAX_LIMIT, type AuditFilters } from '@/lib/audit';
import type {
  AuditCollectionSetting,
  AuditCollectionSettingUpdate,
  AuditExportFormat,
  AuditList,
  AuditLog,
  AuditPublicKey,
  AuditSettings,
  AuditVerifyReport,
} from '@/lib/audit-types';
import { saveBlob } from '@/lib/utils';

export function useAuditLogs(filters: AuditFilters) {
  return useQuery({
    queryKey: ['audit', 'list', filters],
    queryFn: ({ signal }) => api.get<AuditList>('/audit-logs', { query: listQuery(filters), signal }),
    placeholderData: keepPreviousData,
  });
}

export function useAuditLog(id: string | null) {
  return useQuery({
    queryKey: ['audit', 'one', id],
    queryFn: ({ signal }) => api.get<AuditLog>(`/audit-logs/${encodeURIComponent(id ?? '')}`, { signal }),
    enabled: Boolean(id),
  });
}

/** At most this many pages of 500 for one record's history. */
const HISTORY_PAGES = 20;

export interface AuditHistory {
  entries: AuditLog[];
  total: number;
  /** More entries exist than were loaded. */
  truncated: boolean;
  audit_logging_enabled: boolean;
}

/** Every entry of one record, oldest first (page by page, up to 10 000). */
export async function fetchRecordHistory(tableName: string, recordId: string, signal?: AbortSignal): Promise<AuditHistory> {
  const entries: AuditLog[] = [];
  let total = 0;
  let enabled = true;
  for (let page = 0; page < HISTORY_PAGES; page++) {
    const res = await api.get<AuditList>('/audit-logs', {
      query: { table_name: tableName, record_id: recordId, sort_by: 'id', sort_order: 'asc', skip: page * MAX_LIMIT, limit: MAX_LIMIT },
      signal,
    });
    entries.push(...res.items);
    total = res.total;
    enabled = res.audit_logging_enabled;
    if (res.items.length < MAX_LIMIT || entries.length >= total) break;
  }
  return { entries, total, truncated: entries.length < total, audit_logging_enabled: enabled };
}

export function useRecordHistory(tableName: string, recordId: string) {
  return useQuery({
    queryKey: ['audit', 'history', tableName, recordId],
    queryFn: ({ signal }) => fetchRecordHistory(tableName, recordId, signal),
    enabled: Boolean(tableName && recordId),
  });
}

/** The export's API path with its query, e.g. for a link or the SDK. */
export function auditExportPath(format: AuditExportFormat, filters: AuditFilters): string {
  const q = new URLSearchParams({ format, ...exportQuery(filters) });
  if (format === 'pdf') q.set('encoding', 'binary');
  return `/audit-logs/export?${q}`;
}

/**
 * Downloads an export with the session's token and offers it as a file
 * (a blob behind an object URL: a plain link would carry no token).
 * PDF asks for `encoding=binary`, otherwise the server sends base64 text.
 */
export async function downloadAuditExport(format: AuditExportFormat, filters: AuditFilters): Promise<string> {
  const query: Record<string, string> = { format, ...exportQuery(filters) };
  if (format === 'pdf') query.encoding = 'binary';
  const file = await api.download('/audit-logs/export', { query });
  const name = file.filename ?? exportFilename(format);
  saveBlob(name, file.blob);
  return name;
}

export function useVerifyAudit() {
  return useMutation({
    mutationFn: (accountId: string | null) =>
      api.get<AuditVerifyReport>('/audit-logs/verify', { query: { account_id: accountId || undefined } }),
  });
}

export function useAuditPublicKey(enabled = true) {
  return useQuery({
    queryKey: ['audit', 'public-key'],
    queryFn: ({ signal }) => api.get<AuditPublicKey>('/audit-logs/public-key', { signal }),
    enabled,
    staleTime: Infinity,
  });
}

export function useAuditSettings(enabled = true) {
  return useQuery({
    queryKey: ['audit', 'settings'],
    queryFn: ({ signal }) => api.get<AuditSettings>('/audit-logs/settings', { signal }),
    enabled,
  });
}

export function useUpdateAuditSetting() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ collection, ...body }: AuditCollectionSettingUpdate & { collection: string }) =>
      api.put<AuditCollectionSetting>(`/audit-logs/settings/${encodeURIComponent(collection)}`, body),
    onSuccess: (saved) => {
      qc.setQueryData<AuditSettings>(['audit', 'settings'], (old) =>
        old
          ? {
              ...old,
              collections: old.collections.some((c) => c.collection === saved.collection)
                ? old.collections.map((c) => (c.collection === saved.collection ? saved : c))
                : [...old.collections, saved],
            }
          : old,
      );
    },
  });
}
