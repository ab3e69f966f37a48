import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api';
import type {
  Collection,
  CollectionListItem,
  CollectionRules,
  CollectionRulesUpdate,
  ExportDocument,
  FieldInput,
  ImportResponse,
  ImportStrategy,
  IndexDef,
  MigrationEntry,
  Paged,
  UpdateCollectionResponse,
} from '@/lib/types';

export interface CollectionListParams {
  page: number;
  page_size: number;
  sort_by: string;
  sort_order: 'asc' | 'desc';
  search: string;
}

export function useCollections(params: CollectionListParams, enabled = true) {
  return useQuery({
    queryKey: ['collections', 'list', params],
    queryFn: ({ signal }) => api.get<Paged<CollectionListItem>>('/collections', { query: { ...params }, signal }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useCollectionNames(enabled = true) {
  return useQuery({
    queryKey: ['collections', 'names'],
    queryFn: ({ signal }) => api.get<{ names: string[]; total: number }>('/collections/names', { signal }),
    enabled,
    retry: false,
  });
}

export function useCollection(id: string | undefined) {
  return useQuery({
    queryKey: ['collections', 'detail', id],
    queryFn: ({ signal }) => api.get<Collection>(`/collections/${encodeURIComponent(id ?? '')}`, { signal }),
    enabled: Boolean(id),
  });
}

/**
 * A collection's schema looked up by name. The API addresses collections by id,
 * so this searches the list, then loads the exact match.
 */
export function useCollectionByName(name: string, enabled = true) {
  return useQuery({
    queryKey: ['collections', 'by-name', name],
    queryFn: async ({ signal }) => {
      const list = await api.get<Paged<CollectionListItem>>('/collections', {
        query: { search: name, page_size: 100, page: 1 },
        signal,
      });
      const hit = list.items.find((c) => c.name.toLowerCase() === name.toLowerCase());
      if (!hit) return null;
      return api.get<Collection>(`/collections/${encodeURIComponent(hit.id)}`, { signal });
    },
    enabled: enabled && Boolean(name),
    retry: false,
  });
}

export function useCollectionHistory(id: string | undefined) {
  return useQuery({
    queryKey: ['collections', 'history', id],
    queryFn: ({ signal }) => api.get<MigrationEntry[]>(`/collections/${encodeURIComponent(id ?? '')}/history`, { signal }),
    enabled: Boolean(id),
  });
}

function useInvalidateCollections() {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: ['collections'] });
    void qc.invalidateQueries({ queryKey: ['records'] });
    void qc.invalidateQueries({ queryKey: ['dashboard'] });
  };
}

export function useCreateCollection() {
  const invalidate = useInvalidateCollections();
  return useMutation({
    mutationFn: (body: { name: string; schema: FieldInput[]; indexes: IndexDef[] }) =>
      api.post<Collection>('/collections', body),
    onSuccess: invalidate,
  });
}

export interface SchemaChangeBody {
  schema: FieldInput[];
  indexes: IndexDef[];
  dry_run: boolean;
  confirm_data_loss: boolean;
}

export function useUpdateCollection() {
  const invalidate = useInvalidateCollections();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: SchemaChangeBody }) =>
      api.put<UpdateCollectionResponse>(`/collections/${encodeURIComponent(id)}`, body),
    onSuccess: (res) => {
      if (!res.dry_run) invalidate();
    },
  });
}

export function useDeleteCollection() {
  const invalidate = useInvalidateCollections();
  return useMutation({
    mutationFn: (id: string) =>
      api.del<{ records_deleted: number; collection_name: string }>(`/collections/${encodeURIComponent(id)}`),
    onSuccess: invalidate,
  });
}

export function useExportCollections() {
  return useMutation({
    mutationFn: (ids: string[]) =>
      api.get<ExportDocument>('/collections/export', {
        query: { collection_ids: ids.length ? ids.join(',') : undefined },
      }),
  });
}

export function useImportCollections() {
  const invalidate = useInvalidateCollections();
  return useMutation({
    mutationFn: (body: { data: ExportDocument; strategy: ImportStrategy }) =>
      api.post<ImportResponse>('/collections/import', body),
    onSuccess: invalidate,
  });
}

/** A collection's rules (the permissions of the roles `user` and `public` on it). */
export function useCollectionRules(name: string, enabled = true) {
  return useQuery({
    queryKey: ['collections', 'rules', name],
    queryFn: ({ signal }) => api.get<CollectionRules>(`/collections/${encodeURIComponent(name)}/rules`, { signal }),
    enabled: enabled && Boolean(name),
    retry: false,
  });
}

export function useSaveCollectionRules() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ name, body }: { name: string; body: CollectionRulesUpdate }) =>
      api.put<CollectionRules>(`/collections/${encodeURIComponent(name)}/rules`, body),
    onSuccess: (data, { name }) => {
      qc.setQueryData(['collections', 'rules', name], data);
      // The rules are the permissions of two roles, shown in the matrix too.
      void qc.invalidateQueries({ queryKey: ['roles'] });
      void qc.invalidateQueries({ queryKey: ['records'] });
    },
  });
}
