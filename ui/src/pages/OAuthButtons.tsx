import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { LogIn } from 'lucide-react';
import { api, errorMessage } from '@/lib/api';
import { redirectUriFor, savePending, startOAuth, type OAuthProvider } from '@/lib/oauth';
import { Button } from '@/components/ui/button';

/** The account typed in the form, once it stops changing. */
function useSettled(value: string, ms = 400): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/** "Continue with …" buttons for the providers the account offers (none when it offers none). */
export function OAuthButtons({ account }: { account: string }) {
  const settled = useSettled(account.trim());
  const [error, setError] = useState('');
  const [starting, setStarting] = useState('');
  const providers = useQuery({
    queryKey: ['oauth-providers', settled],
    queryFn: ({ signal }) => api.get<{ items: OAuthProvider[] }>('/auth/oauth/providers', { query: { account: settled }, auth: false, signal }),
    enabled: Boolean(settled),
    retry: false,
    staleTime: 30_000,
  });
  const items = providers.data?.items ?? [];
  if (!settled || items.length === 0) return null;

  const start = async (p: OAuthProvider) => {
    setError('');
    setStarting(p.provider_name);
    try {
      const redirectUri = redirectUriFor(window.location.origin, p.provider_name);
      const res = await startOAuth(p.provider_name, settled, redirectUri);
      savePending(window.sessionStorage, { state: res.state, provider: p.provider_name, redirectUri, account: settled });
      window.location.assign(res.authorization_url);
    } catch (e) {
      setError(errorMessage(e));
      setStarting('');
    }
  };

  return (
    <div className="mt-4 flex flex-col gap-2" data-testid="oauth-buttons">
      <div className="flex items-center gap-2 text-xs text-muted-fg">
        <span className="h-px flex-1 bg-border" /> or <span className="h-px flex-1 bg-border" />
      </div>
      {error && (
        <p role="alert" className="text-sm text-danger">
          {error}
        </p>
      )}
      {items.map((p) => (
        <Button key={p.provider_name} type="button" variant="outline" className="w-full" loading={starting === p.provider_name} onClick={() => void start(p)}>
          <LogIn className="h-4 w-4" /> Continue with {p.display_name}
        </Button>
      ))}
    </div>
  );
}
