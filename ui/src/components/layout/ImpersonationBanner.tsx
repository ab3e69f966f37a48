import { useEffect, useState } from 'react';
import { UserRoundCog } from 'lucide-react';
import { api } from '@/lib/api';
import { stopImpersonating } from '@/lib/auth';
import type { Session } from '@/lib/session';
import { Button } from '@/components/ui/button';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * Shown on every admin page while an administrator acts as a user. Ends the
 * impersonation when asked, and on its own when the token expires.
 */
export function ImpersonationBanner({ session }: { session: Session }) {
  const imp = session.impersonation;
  const [stopping, setStopping] = useState(false);

  useEffect(() => {
    if (!imp) return;
    const left = new Date(imp.expiresAt).getTime() - Date.now();
    // setTimeout caps at ~24.8 days; impersonations last an hour at most.
    const t = setTimeout(() => void stopImpersonating(), Math.max(0, Math.min(left, 2 ** 31 - 1)));
    return () => clearTimeout(t);
  }, [imp?.expiresAt]);

  // Check the token once per session shown (a reload after it was revoked or the
  // user deactivated): its 401 restores the own session at once.
  useEffect(() => {
    if (!imp) return;
    const ctl = new AbortController();
    api.get('/auth/me', { signal: ctl.signal }).catch(() => {});
    return () => ctl.abort();
  }, [session.token]);

  if (!imp) return null;
  const ends = new Date(imp.expiresAt);

  return (
    <div
      role="status"
      data-testid="impersonation-banner"
      className="flex flex-wrap items-center gap-x-3 gap-y-2 border-b border-amber-600 bg-amber-400 px-3 py-2 text-sm text-black sm:px-5"
    >
      <UserRoundCog className="hidden h-4 w-4 shrink-0 sm:block" aria-hidden />
      <p className="min-w-0 flex-1 [overflow-wrap:anywhere]">
        You are acting as <strong data-testid="impersonation-user">{session.user.email}</strong> (account{' '}
        {session.account.name}) — started by {imp.by.email}, ends at{' '}
        <time dateTime={imp.expiresAt}>{Number.isNaN(ends.getTime()) ? imp.expiresAt : timeFormat.format(ends)}</time>
      </p>
      <Button
        size="sm"
        variant="outline"
        className="shrink-0 border-black/40 bg-white text-black hover:bg-white/80"
        disabled={stopping}
        onClick={() => {
          setStopping(true);
          void stopImpersonating().finally(() => setStopping(false));
        }}
      >
        Stop impersonating
      </Button>
    </div>
  );
}
