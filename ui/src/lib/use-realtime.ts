import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from './api';
import { applyRecordEvent, isRecordList, RealtimeConnection, realtimeUrl, tokenExpiring, type ConnectionState } from './realtime';
import { sessionStore } from './session';

/** How long events are gathered before the shown list is refetched. */
const REFETCH_AFTER_MS = 250;

export interface RealtimeStatus {
  state: ConnectionState;
  /** Why it is offline or reconnecting, when known. */
  detail?: string;
}

/**
 * Keeps the cached record lists of `collection` (in `accountId`, the
 * superadmin's chosen account; null for the caller's own) live over one
 * WebSocket while the calling page is shown: updates and deletes change the
 * cached rows at once, and every event (creates especially) refetches the
 * shown list shortly after, so order, filter and paging stay the server's.
 */
export function useRealtimeRecords(collection: string, accountId: string | null, enabled: boolean): RealtimeStatus {
  const qc = useQueryClient();
  const [status, setStatus] = useState<RealtimeStatus>({ state: 'connecting' });

  useEffect(() => {
    if (!enabled || !collection) return;
    const key = ['records', collection, accountId];
    let refetch: ReturnType<typeof setTimeout> | null = null;
    const refetchSoon = () => {
      if (refetch) return;
      refetch = setTimeout(() => {
        refetch = null;
        void qc.invalidateQueries({ queryKey: key });
      }, REFETCH_AFTER_MS);
    };
    const conn = new RealtimeConnection({
      collection,
      url: async () => {
        let token = sessionStore.get()?.token;
        if (token && tokenExpiring(token, Date.now())) {
          await api.refresh();
          token = sessionStore.get()?.token;
        }
        return token ? realtimeUrl(window.location, token, accountId) : null;
      },
      onEvent: (event) => {
        qc.setQueriesData({ queryKey: key }, (data: unknown) => (isRecordList(data) ? applyRecordEvent(data, event) : data));
        refetchSoon();
        void qc.invalidateQueries({ queryKey: ['dashboard'], refetchType: 'none' });
      },
      onStale: refetchSoon,
      onState: (state, detail) => setStatus({ state, detail }),
      refreshToken: () => api.refresh(),
      // A 401 here refreshes the token (or ends the session) like any API call.
      verifySession: () => api.get('/auth/me').then(
        () => undefined,
        () => undefined,
      ),
      online: () => navigator.onLine,
    });
    conn.start();
    const online = () => conn.nudge();
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('online', online);
      if (refetch) clearTimeout(refetch);
      conn.stop();
      setStatus({ state: 'connecting' });
    };
  }, [qc, collection, accountId, enabled]);

  return status;
}
