import { useEffect } from 'react';
import { useSearchParams } from 'react-router';
import { useAccountOptions } from '@/api/accounts';
import { isSuperadmin, useSession } from '@/lib/auth';
import { SYSTEM_ACCOUNT } from '@/lib/types';

const KEY = 'snackbase.records.account';

/**
 * Whose records to show. Others always see their own account (no header);
 * the superadmin picks one, kept in the URL (?account=) and remembered.
 */
export function useRecordAccount() {
  const session = useSession();
  const superadmin = isSuperadmin(session);
  const [params, setParams] = useSearchParams();
  const options = useAccountOptions(superadmin);
  const fromUrl = params.get('account');

  const setAccount = (id: string) => {
    localStorage.setItem(KEY, id);
    const next = new URLSearchParams(params);
    next.set('account', id);
    next.delete('page');
    setParams(next, { replace: true });
  };

  useEffect(() => {
    if (!superadmin || fromUrl || !options.data) return;
    const items = options.data.items;
    const remembered = localStorage.getItem(KEY);
    const pick =
      items.find((a) => a.id === remembered)?.id ??
      items.find((a) => a.id !== SYSTEM_ACCOUNT)?.id ??
      SYSTEM_ACCOUNT;
    const next = new URLSearchParams(params);
    next.set('account', pick);
    setParams(next, { replace: true });
  }, [superadmin, fromUrl, options.data, params, setParams]);

  return {
    superadmin,
    accountId: superadmin ? fromUrl : null,
    accounts: options.data?.items ?? [],
    setAccount,
    ready: !superadmin || Boolean(fromUrl),
  };
}
