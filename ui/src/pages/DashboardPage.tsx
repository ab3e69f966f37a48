import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { Activity, Boxes, Building2, Database, RefreshCw, Table2, Users } from 'lucide-react';
import { useDashboard } from '@/api/dashboard';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Select } from '@/components/ui/input';
import { ErrorState, Spinner } from '@/components/ui/states';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';
import { Badge } from '@/components/ui/badge';
import { formatDateTime } from '@/lib/utils';
import { AuditActivityCard } from '@/pages/audit/AuditActivityCard';
import { RecentAuditCard } from '@/pages/audit/RecentAuditCard';

const INTERVALS: [string, number][] = [
  ['Off', 0],
  ['10 s', 10_000],
  ['30 s', 30_000],
  ['1 min', 60_000],
  ['5 min', 300_000],
];
const KEY = 'snackbase.dashboard.refresh';

function Stat({ label, value, sub, icon, testId }: { label: string; value: ReactNode; sub?: ReactNode; icon: ReactNode; testId: string }) {
  return (
    <Card className="p-4" data-testid={testId}>
      <div className="flex items-center justify-between text-muted-fg">
        <span className="text-xs font-medium uppercase tracking-wide">{label}</span>
        {icon}
      </div>
      <div className="mt-2 text-2xl font-semibold tabular-nums" data-testid={`${testId}-value`}>
        {value}
      </div>
      {sub && <div className="mt-1 text-xs text-muted-fg">{sub}</div>}
    </Card>
  );
}

export function DashboardPage() {
  const [interval, setIntervalMs] = useState<number>(() => Number(localStorage.getItem(KEY) ?? 0) || 0);
  const stats = useDashboard(interval > 0 ? interval : false);
  const d = stats.data;

  const chooseInterval = (ms: number) => {
    setIntervalMs(ms);
    localStorage.setItem(KEY, String(ms));
  };

  return (
    <div>
      <PageHeader
        title="Dashboard"
        description="The whole system at a glance"
        actions={
          <>
            <label className="flex items-center gap-2 whitespace-nowrap text-xs text-muted-fg">
              Auto-refresh
              <Select value={interval} onChange={(e) => chooseInterval(Number(e.target.value))} className="h-8 w-24" aria-label="Auto-refresh">
                {INTERVALS.map(([label, ms]) => (
                  <option key={ms} value={ms}>
                    {label}
                  </option>
                ))}
              </Select>
            </label>
            <Button variant="outline" size="sm" onClick={() => void stats.refetch()} loading={stats.isFetching}>
              {!stats.isFetching && <RefreshCw className="h-3.5 w-3.5" />}
              Refresh
            </Button>
          </>
        }
      />
      {stats.isPending ? (
        <Spinner />
      ) : stats.isError ? (
        <ErrorState error={stats.error} onRetry={() => void stats.refetch()} />
      ) : d ? (
        <div className="flex flex-col gap-4">
          <div className="grid grid-cols-2 gap-3 xl:grid-cols-4">
            <Stat testId="stat-accounts" label="Accounts" value={d.total_accounts} sub={`+${d.new_accounts_7d} in 7 days`} icon={<Building2 className="h-4 w-4" />} />
            <Stat testId="stat-users" label="Users" value={d.total_users} sub={`+${d.new_users_7d} in 7 days`} icon={<Users className="h-4 w-4" />} />
            <Stat testId="stat-collections" label="Collections" value={d.total_collections} icon={<Boxes className="h-4 w-4" />} />
            <Stat testId="stat-records" label="Records" value={d.total_records} icon={<Table2 className="h-4 w-4" />} />
          </div>
          <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
            <Stat
              testId="stat-db"
              label="Database"
              value={<Badge tone={d.system_health.database_status === 'connected' ? 'success' : 'danger'}>{d.system_health.database_status}</Badge>}
              sub={`Storage ${d.system_health.storage_usage_mb.toFixed(2)} MB`}
              icon={<Database className="h-4 w-4" />}
            />
            <Stat testId="stat-sessions" label="Active sessions" value={d.active_sessions} icon={<Activity className="h-4 w-4" />} />
          </div>
          <div className="grid grid-cols-1 items-start gap-4 xl:grid-cols-3">
            <Card className="xl:col-span-2">
              <CardHeader title="Recent registrations" description="The last users to join" />
              <TableContainer>
                <Table>
                  <thead>
                    <tr>
                      <Th>Email</Th>
                      <Th>Account</Th>
                      <Th>Joined</Th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.recent_registrations.length === 0 && (
                      <tr>
                        <Td colSpan={3} className="text-center text-muted-fg">
                          Nobody yet
                        </Td>
                      </tr>
                    )}
                    {d.recent_registrations.map((r) => (
                      <tr key={r.id}>
                        <Td className="max-w-64 truncate">{r.email}</Td>
                        <Td className="whitespace-nowrap">
                          <Link to={`/accounts/${r.account_id}`} className="hover:underline">
                            {r.account_name}
                          </Link>{' '}
                          <span className="font-mono text-xs text-muted-fg">{r.account_id}</span>
                        </Td>
                        <Td className="whitespace-nowrap text-muted-fg">{formatDateTime(r.created_at)}</Td>
                      </tr>
                    ))}
                  </tbody>
                </Table>
              </TableContainer>
            </Card>
            <Card>
              <CardHeader title="Quick actions" />
              <div className="flex flex-col gap-2 p-4">
                <Link to="/accounts?new=1" className="rounded-md border border-border px-3 py-2 text-sm hover:bg-muted">
                  New account
                </Link>
                <Link to="/users?new=1" className="rounded-md border border-border px-3 py-2 text-sm hover:bg-muted">
                  New user
                </Link>
                <Link to="/collections/new" className="rounded-md border border-border px-3 py-2 text-sm hover:bg-muted">
                  New collection
                </Link>
                <Link to="/collections/transfer" className="rounded-md border border-border px-3 py-2 text-sm hover:bg-muted">
                  Export or import collections
                </Link>
              </div>
            </Card>
          </div>
          {d.time_series?.audit_by_operation && <AuditActivityCard days={d.time_series.audit_by_operation} />}
          {d.recent_audit_logs && <RecentAuditCard entries={d.recent_audit_logs} />}
        </div>
      ) : null}
    </div>
  );
}
