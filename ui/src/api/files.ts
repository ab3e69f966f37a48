import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api';
import { useSession } from '@/lib/auth';
import type { FileToken } from '@/lib/types';

/**
 * A short-lived file token (`POST /files/token`) for `?token=` on record
 * file URLs, so <img> and links need no Authorization header. One per
 * session, shared by every cell and form of the page, renewed well before it
 * expires; null until it arrives.
 */
export function useFileToken(enabled = true): string | null {
  const session = useSession();
  const q = useQuery({
    queryKey: ['file-token', session?.user.id ?? null, session?.account.id ?? null],
    queryFn: () => api.post<FileToken>('/files/token'),
    enabled: enabled && session !== null,
    // Renewed at 2/3 of its life (default 180 s → every 120 s).
    staleTime: (query) => ((query.state.data?.expires_in ?? 180) * 1000 * 2) / 3,
    refetchInterval: (query) => ((query.state.data?.expires_in ?? 180) * 1000 * 2) / 3,
    refetchIntervalInBackground: false,
    retry: false,
  });
  return q.data?.token ?? null;
}
