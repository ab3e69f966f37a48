import { isSuperadmin, useSession } from '@/lib/auth';
import { LinkTabs } from '@/components/ui/link-tabs';

/** Records, Aggregate and (for the superadmin) Rules of one collection; keeps the chosen account. */
export function CollectionTabs({ name, accountId }: { name: string; accountId?: string | null }) {
  const superadmin = isSuperadmin(useSession());
  const base = `/collections/${encodeURIComponent(name)}`;
  const q = accountId ? `?account=${encodeURIComponent(accountId)}` : '';
  return (
    <LinkTabs
      label="Collection views"
      tabs={[
        { to: `${base}/records${q}`, label: 'Records' },
        { to: `${base}/aggregate${q}`, label: 'Aggregate' },
        ...(superadmin ? [{ to: `${base}/rules`, label: 'Rules' }] : []),
      ]}
    />
  );
}
