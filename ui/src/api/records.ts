import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type Query } from '@/lib/api';
import type { AggregateResponse, RecordData, RecordItem, RecordList } from '@/lib/types';

/** Records live inside one account; the superadmin names it with X-Account-ID. */
export function accountHeader(accountId: string | null): Record<string, string> {
  return accountId ? { 'X-Account-ID': accountId } : {};
}

const path = (collection: string, id?: string) =>
  `/records/${encodeURIComponent(collection)}${id ? `/${encodeURIComponent(id)}` : ''}`;

export interface RecordListParams {
  skip: number;
  limit: number;
  /** '' leaves the order to the server (by relevance with a search). */
  sort: string;
  /** A rule-language expression (`filter=`). */
  filter: string;
  expand?: string;
  /** Full-text search over the searchable fields (`search=`). */
  search?: string;
}

export function useRecords(collection: string, accountId: string | null, params: RecordListParams, enabled = true) {
  return useQuery({
    queryKey: ['records', collection, accountId, params],
    queryFn: ({ signal }) => {
      const query: Query = {
        skip: params.skip,
        limit: params.limit,
        sort: params.sort || undefined,
        expand: params.expand,
        filter: params.filter || undefined,
        search: params.search || undefined,
      };
      return api.get<RecordList>(path(collection), { query, headers: accountHeader(accountId), signal });
    },
    placeholderData: keepPreviousData,
    retry: false,
    enabled,
  });
}

/** Candidates for a relation picker: recent records of the target collection. */
export function useRelationOptions(collection: string, accountId: string | null, enabled: boolean) {
  return useQuery({
    queryKey: ['records', collection, accountId, 'options'],
    queryFn: ({ signal }) =>
      api.get<RecordList>(path(collection), {
        query: { limit: 100, sort: '-created_at' },
        headers: accountHeader(accountId),
        signal,
      }),
    enabled,
    staleTime: 10_000,
  });
}

function useInvalidateRecords() {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: ['records'] });
    void qc.invalidateQueries({ queryKey: ['collections'] });
    void qc.invalidateQueries({ queryKey: ['dashboard'] });
  };
}

/** A record write's body: JSON, or multipart/form-data when files are attached (docs/files.md). */
interface WriteArgs {
  collection: string;
  accountId: string | null;
}

export function useCreateRecord() {
  const invalidate = useInvalidateRecords();
  return useMutation({
    mutationFn: ({ collection, accountId, data }: WriteArgs & { data: RecordData | FormData }) =>
      api.post<RecordItem>(path(collection), data, { headers: accountHeader(accountId) }),
    onSuccess: invalidate,
  });
}

export function useUpdateRecord() {
  const invalidate = useInvalidateRecords();
  return useMutation({
    mutationFn: ({ collection, accountId, id, data }: WriteArgs & { id: string; data: RecordData | FormData }) =>
      api.patch<RecordItem>(path(collection, id), data, { headers: accountHeader(accountId) }),
    onSuccess: invalidate,
  });
}

export function useDeleteRecord() {
  const invalidate = useInvalidateRecords();
  return useMutation({
    mutationFn: ({ collection, accountId, id }: WriteArgs & { id: string }) =>
      api.del<void>(path(collection, id), undefined, { headers: accountHeader(accountId) }),
    onSuccess: invalidate,
  });
}

export function useBulkDeleteRecords() {
  const invalidate = useInvalidateRecords();
  return useMutation({
    mutationFn: ({ collection, accountId, ids }: WriteArgs & { ids: string[] }) =>
      api.del<{ deleted: string[]; count: number }>(`${path(collection)}/batch`, { ids }, { headers: accountHeader(accountId) }),
    onSuccess: invalidate,
  });
}

export interface AggregateParams {
  /** `count(),sum(total)` */
  functions: string;
  /** Comma-separated field names. */
  group_by: string;
  filter: string;
  having: string;
}

/** `GET /records/{collection}/aggregate`, under the caller's read rules. */
export function useAggregate(collection: string, accountId: string | null, params: AggregateParams | null) {
  return useQuery({
    queryKey: ['records', collection, accountId, 'aggregate', params],
    queryFn: ({ signal }) =>
      api.get<AggregateResponse>(`${path(collection)}/aggregate`, {
        query: {
          functions: params?.functions,
          group_by: params?.group_by || undefined,
          filter: params?.filter || undefined,
          having: params?.having || undefined,
        },
        headers: accountHeader(accountId),
        signal,
      }),
    enabled: params !== null && Boolean(params.functions),
    retry: false,
  });
}
