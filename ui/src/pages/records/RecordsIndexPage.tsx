import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ArrowRight, Table2 } from 'lucide-react';
import { useCollections } from '@/api/collections';
import { canReadSchemas, useSession } from '@/lib/auth';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { AccountPicker } from './AccountPicker';
import { useRecordAccount } from './useRecordAccount';

const RECENT_KEY = 'snackbase.records.recent';

export function recentCollections(): string[] {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberCollection(name: string): void {
  const next = [name, ...recentCollections().filter((n) => n !== name)].slice(0, 8);
  localStorage.setItem(RECENT_KEY, JSON.stringify(next));
}

export function RecordsIndexPage() {
  const { superadmin, accountId, accounts, setAccount } = useRecordAccount();
  const readsSchemas = canReadSchemas(useSession());
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const list = useCollections({ page: 1, page_size: 100, sort_by: 'name', sort_order: 'asc', search: '' }, readsSchemas);
  const suffix = accountId ? `?account=${accountId}` : '';
  const recent = recentCollections();

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title="Records"
        description={superadmin ? 'Pick an account and a collection' : 'Your account’s records, by collection'}
        actions={superadmin && <AccountPicker accounts={accounts} value={accountId} onChange={setAccount} />}
      />
      {readsSchemas ? (
        <Card>
          <CardHeader title="Collections" />
          {list.isPending ? (
            <Spinner />
          ) : list.isError ? (
            <ErrorState error={list.error} />
          ) : list.data.items.length === 0 ? (
            <EmptyState title="No collections yet">
              {superadmin && (
                <Link to="/collections/new" className="text-primary hover:underline">
                  Create one
                </Link>
              )}
            </EmptyState>
          ) : (
            <ul className="grid grid-cols-1 gap-2 p-3 sm:grid-cols-2 lg:grid-cols-3">
              {list.data.items.map((c) => (
                <li key={c.id}>
                  <Link
                    to={`/collections/${c.name}/records${suffix}`}
                    className="flex items-center gap-3 rounded-md border border-border px-3 py-2 hover:bg-muted"
                  >
                    <Table2 className="h-4 w-4 text-muted-fg" aria-hidden />
                    <span className="min-w-0 flex-1 truncate font-medium">{c.name}</span>
                    <span className="text-xs text-muted-fg">{c.fields_count} fields</span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </Card>
      ) : (
        <Card>
          <CardHeader
            title="Open a collection"
            description="Your role cannot list collections yet; type the name of one your app uses."
          />
          <form
            className="flex flex-wrap gap-2 p-4"
            onSubmit={(e) => {
              e.preventDefault();
              const n = name.trim();
              if (n) navigate(`/collections/${encodeURIComponent(n)}/records`);
            }}
          >
            <Input
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="posts"
              aria-label="Collection name"
              className="min-w-0 flex-1 sm:max-w-xs"
            />
            <Button type="submit">
              Open <ArrowRight className="h-4 w-4" />
            </Button>
          </form>
          {recent.length > 0 && (
            <div className="flex flex-wrap gap-2 px-4 pb-4 text-sm">
              <span className="text-muted-fg">Recent:</span>
              {recent.map((r) => (
                <Link key={r} to={`/collections/${r}/records`} className="text-primary hover:underline">
                  {r}
                </Link>
              ))}
            </div>
          )}
        </Card>
      )}
    </div>
  );
}
