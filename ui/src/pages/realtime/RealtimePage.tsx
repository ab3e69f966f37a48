import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { RefreshCw } from 'lucide-react';
import { useAccountOptions } from '@/api/accounts';
import { useRealtimeSnapshot } from '@/api/realtime';
import { formatDateTime } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';

const REFRESH_MS = 3000;
const ALL_OPERATIONS = 3;

function Stat({ label, value, testId }: { label: string; value: string | number; testId: string }) {
  return (
    <Card className="px-4 py-3">
      <div className="text-xs text-muted-fg">{label}</div>
      <div className="text-xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </div>
    </Card>
  );
}

/** The superadmin's view of this node's realtime connections, refreshed every few seconds. */
export function RealtimePage() {
  const [auto, setAuto] = useState(true);
  const snapshot = useRealtimeSnapshot(auto ? REFRESH_MS : false);
  const accounts = useAccountOptions();
  const names = useMemo(() => new Map((accounts.data?.items ?? []).map((a) => [a.id, a.name])), [accounts.data]);
  const accountLabel = (id: string) => names.get(id) ?? id;
  const data = snapshot.data;

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title="Realtime"
        description="WebSocket and SSE subscribers of this node"
        actions={
          <>
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} /> Auto-refresh
            </label>
            <Button variant="outline" onClick={() => void snapshot.refetch()} loading={snapshot.isFetching}>
              <RefreshCw className="h-4 w-4" /> Refresh
            </Button>
          </>
        }
      />
      {!data ? (
        snapshot.isError ? <ErrorState error={snapshot.error} onRetry={() => void snapshot.refetch()} /> : <Spinner />
      ) : (
        <>
          <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
            <Stat label="Connections" value={`${data.connections} / ${data.max_connections}`} testId="realtime-connections" />
            <Stat label="Changes dispatched" value={data.changes_dispatched} testId="realtime-changes" />
            <Stat label="Events delivered" value={data.deliveries} testId="realtime-deliveries" />
            <Stat label="Change log reads" value={data.log_reads} testId="realtime-log-reads" />
          </div>
          <Card>
            <CardHeader title="Per account" />
            {data.accounts.length === 0 ? (
              <EmptyState title="No account has a realtime connection" />
            ) : (
              <TableContainer>
                <Table data-testid="realtime-accounts">
                  <thead>
                    <tr>
                      <Th>Account</Th>
                      <Th className="text-right">Connections</Th>
                      <Th className="text-right">Subscriptions</Th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.accounts.map((a) => (
                      <tr key={a.account_id} data-account={a.account_id}>
                        <Td>
                          <Link to={`/accounts/${a.account_id}`} className="hover:underline">
                            {accountLabel(a.account_id)}
                          </Link>{' '}
                          <span className="font-mono text-xs text-muted-fg">{a.account_id}</span>
                        </Td>
                        <Td className="text-right tabular-nums">{a.connections}</Td>
                        <Td className="text-right tabular-nums">{a.subscriptions}</Td>
                      </tr>
                    ))}
                  </tbody>
                </Table>
              </TableContainer>
            )}
          </Card>
          <Card>
            <CardHeader title="Connections" description={`Refreshed every ${REFRESH_MS / 1000} s while auto-refresh is on`} />
            {data.items.length === 0 ? (
              <EmptyState title="No realtime connections" />
            ) : (
              <TableContainer>
                <Table data-testid="realtime-table">
                  <thead>
                    <tr>
                      <Th>User</Th>
                      <Th>Account</Th>
                      <Th>Transport</Th>
                      <Th>Subscriptions</Th>
                      <Th className="text-right">Delivered</Th>
                      <Th>Connected</Th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((c) => (
                      <tr key={c.id} data-connection={c.id} data-email={c.email ?? ''} data-transport={c.transport}>
                        <Td className="whitespace-nowrap">
                          {c.email ?? <span className="text-muted-fg">public</span>}{' '}
                          <span className="text-xs text-muted-fg">{c.role}</span>
                        </Td>
                        <Td className="whitespace-nowrap">
                          {accountLabel(c.account_id)} <span className="font-mono text-xs text-muted-fg">{c.account_id}</span>
                        </Td>
                        <Td>
                          <Badge tone={c.transport === 'websocket' ? 'primary' : 'neutral'}>{c.transport}</Badge>
                        </Td>
                        <Td>
                          {c.subscriptions.length === 0 ? (
                            <span className="text-muted-fg">none</span>
                          ) : (
                            <div className="flex flex-wrap gap-1">
                              {c.subscriptions.map((s) => (
                                <span key={s.collection} className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs" data-subscription={s.collection}>
                                  {s.collection}
                                  {s.operations.length < ALL_OPERATIONS && `:${s.operations.join(',')}`}
                                </span>
                              ))}
                            </div>
                          )}
                        </Td>
                        <Td className="text-right tabular-nums">{c.delivered}</Td>
                        <Td className="whitespace-nowrap text-muted-fg">{formatDateTime(c.connected_at)}</Td>
                      </tr>
                    ))}
                  </tbody>
                </Table>
              </TableContainer>
            )}
          </Card>
        </>
      )}
    </div>
  );
}
