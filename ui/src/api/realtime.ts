import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api';

export interface RealtimeSubscription {
  collection: string;
  operations: string[];
}

export interface RealtimeConnectionInfo {
  id: number;
  account_id: string;
  user_id: string | null;
  email: string | null;
  role: string;
  transport: string;
  connected_at: string;
  delivered: number;
  subscriptions: RealtimeSubscription[];
}

export interface RealtimeAccountCount {
  account_id: string;
  connections: number;
  subscriptions: number;
}

/** `GET /admin/realtime`: this node's realtime connections. */
export interface RealtimeSnapshot {
  connections: number;
  max_connections: number;
  changes_dispatched: number;
  deliveries: number;
  log_reads: number;
  accounts: RealtimeAccountCount[];
  items: RealtimeConnectionInfo[];
}

export function useRealtimeSnapshot(refetchInterval: number | false) {
  return useQuery({
    queryKey: ['realtime', 'snapshot'],
    queryFn: ({ signal }) => api.get<RealtimeSnapshot>('/admin/realtime', { signal }),
    refetchInterval,
  });
}
