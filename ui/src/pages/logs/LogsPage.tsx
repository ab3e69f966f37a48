import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { RefreshCw, Settings2 } from 'lucide-react';
import { useAccountOptions } from '@/api/accounts';
import { useLogSettings, useLogStats, useLogs, type LogFilters } from '@/api/logs';
import { formatDateTime } from '@/lib/utils';
import { PageHeader } from '@/components/layout/PageHeader';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Input, Select } from '@/components/ui/input';
import { Pagination } from '@/components/ui/pagination';
import { EmptyState, ErrorState, Spinner } from '@/components/ui/states';
import { SortTh, Table, TableContainer, Td, Th } from '@/components/ui/table';
import { LogDetailDialog } from './LogDetailDialog';
import { RetentionDialog } from './RetentionDialog';
import { formatDuration, localToIso, statusTone } from './log-format';

const PAGE_SIZE = 50;
const CLASSES = ['2xx', '3xx', '4xx', '5xx'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The request log: filters in the URL, an entry's detail, and the retention. */
export function LogsPage() {
  const [params, setParams] = useSearchParams();
  const get = (k: string) => params.get(k) ?? '';
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const [pathInput, setPathInput] = useState(get('path'));
  const [auto, setAuto] = useState(false);
  const [retention, setRetention] = useState(false);
  const accounts = useAccountOptions();
  const settings = useLogSettings();
  const stats = useLogStats(auto ? 5000 : false);

  // Built from the live URL, not this render's params: the debounced path
  // filter below runs later and must not undo a filter chosen meanwhile.
  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(window.location.search);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };

  // Filter by path once typing pauses.
  useEffect(() => {
    const t = setTimeout(() => {
      const live = new URLSearchParams(window.location.search).get('path') ?? '';
      if (pathInput.trim() !== live) set({ path: pathInput.trim(), page: null });
    }, 300);
    return () => clearTimeout(t);
  }, [pathInput]);

  const filters: LogFilters = {
    status_class: get('class'),
    status: get('status'),
    method: get('method'),
    path: get('path'),
    account_id: get('account'),
    since: localToIso(get('since')),
    until: localToIso(get('until')),
    sort_order: get('order') === 'asc' ? 'asc' : 'desc',
    page,
    page_size: PAGE_SIZE,
  };
  const logs = useLogs(filters, auto ? 5000 : false);
  const selected = params.get('log');
  const pageCount = logs.data ? Math.max(1, logs.data.total_pages) : 1;
  const filtered = ['class', 'status', 'method', 'path', 'account', 'since', 'until'].some((k) => params.get(k));

  return (
    <div>
      <PageHeader
        title="Logs"
        description={
          settings.data
            ? settings.data.enabled
              ? `API requests, kept for ${settings.data.retention_days} ${settings.data.retention_days === 1 ? 'day' : 'days'}`
              : 'Request logging is turned off on this server'
            : 'API requests'
        }
        actions={
          <>
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} /> Auto-refresh
            </label>
            <Button variant="outline" onClick={() => void Promise.all([logs.refetch(), stats.refetch()])} loading={logs.isFetching}>
              <RefreshCw className="h-4 w-4" /> Refresh
            </Button>
            <Button variant="outline" onClick={() => setRetention(true)}>
              <Settings2 className="h-4 w-4" /> Retention
            </Button>
          </>
        }
      />
      {stats.data && (
        <div className="mb-3 flex flex-wrap gap-2 text-xs text-muted-fg" data-testid="log-stats">
          <span>Last 24 h: {stats.data.total} requests</span>
          {CLASSES.map((c) => (
            <button
              key={c}
              type="button"
              className="cursor-pointer"
              onClick={() => set({ class: get('class') === c ? null : c, status: null, page: null })}
              aria-label={`Show ${c} only`}
            >
              <Badge tone={statusTone(Number(c[0]) * 100)}>
                {c}: {stats.data.by_class[c] ?? 0}
              </Badge>
            </button>
          ))}
          {stats.data.dropped > 0 && <Badge tone="danger">{stats.data.dropped} dropped</Badge>}
        </div>
      )}
      <Card>
        <div className="grid grid-cols-1 gap-2 border-b border-border p-3 sm:grid-cols-2 lg:grid-cols-4" role="search">
          <Input placeholder="Path contains" value={pathInput} onChange={(e) => setPathInput(e.target.value)} aria-label="Path contains" />
          <Select value={get('class')} onChange={(e) => set({ class: e.target.value, status: null, page: null })} aria-label="Status class">
            <option value="">Any status</option>
            {CLASSES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </Select>
          <Input
            placeholder="Exact status, e.g. 404"
            inputMode="numeric"
            value={get('status')}
            onChange={(e) => set({ status: e.target.value.replace(/\D/g, '').slice(0, 3), class: null, page: null })}
            aria-label="Exact status"
          />
          <Select value={get('method')} onChange={(e) => set({ method: e.target.value, page: null })} aria-label="Method">
            <option value="">Any method</option>
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </Select>
          <Select value={get('account')} onChange={(e) => set({ account: e.target.value, page: null })} aria-label="Account">
            <option value="">Any account</option>
            {accounts.data?.items.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.id})
              </option>
            ))}
          </Select>
          <Input type="datetime-local" value={get('since')} onChange={(e) => set({ since: e.target.value, page: null })} aria-label="Since" />
          <Input type="datetime-local" value={get('until')} onChange={(e) => set({ until: e.target.value, page: null })} aria-label="Until" />
          <Button
            variant="ghost"
            disabled={!filtered}
            onClick={() => {
              setPathInput('');
              set({ class: null, status: null, method: null, path: null, account: null, since: null, until: null, page: null });
            }}
          >
            Clear filters
          </Button>
        </div>
        {logs.isPending ? (
          <Spinner />
        ) : logs.isError ? (
          <ErrorState error={logs.error} onRetry={() => void logs.refetch()} />
        ) : logs.data.items.length === 0 ? (
          <EmptyState title={filtered ? 'No requests match these filters' : 'No requests logged yet'} />
        ) : (
          <>
            <TableContainer>
              <Table data-testid="logs-table">
                <thead>
                  <tr>
                    <SortTh
                      label="Time"
                      field="created_at"
                      sortBy="created_at"
                      sortDir={filters.sort_order}
                      onSort={() => set({ order: filters.sort_order === 'desc' ? 'asc' : null, page: null })}
                    />
                    <Th>Method</Th>
                    <Th>Status</Th>
                    <Th>Path</Th>
                    <Th className="text-right">Duration</Th>
                    <Th>Account</Th>
                  </tr>
                </thead>
                <tbody>
                  {logs.data.items.map((l) => (
                    <tr
                      key={l.id}
                      className="cursor-pointer hover:bg-muted/40"
                      data-id={l.id}
                      data-status={l.status}
                      data-path={l.path}
                      data-impersonator={l.impersonator_id ?? undefined}
                      onClick={() => set({ log: l.id })}
                    >
                      <Td className="whitespace-nowrap text-muted-fg">{formatDateTime(l.created_at)}</Td>
                      <Td className="font-mono text-xs">{l.method}</Td>
                      <Td>
                        <Badge tone={statusTone(l.status)}>{l.status}</Badge>
                      </Td>
                      <Td className="max-w-96 truncate font-mono text-xs">
                        <button
                          type="button"
                          className="max-w-full cursor-pointer truncate text-left hover:underline"
                          onClick={(e) => {
                            e.stopPropagation();
                            set({ log: l.id });
                          }}
                          aria-label={`Details of ${l.method} ${l.path}`}
                        >
                          {l.path}
                        </button>
                      </Td>
                      <Td className="whitespace-nowrap text-right text-muted-fg">{formatDuration(l.duration_ms)}</Td>
                      <Td className="whitespace-nowrap font-mono text-xs text-muted-fg">
                        {l.account_id ?? '—'}
                        {l.impersonator_id && (
                          <Badge tone="warn" className="ml-1.5 font-sans" title={`Impersonated by user ${l.impersonator_id}`}>
                            impersonated
                          </Badge>
                        )}
                      </Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            </TableContainer>
            <Pagination page={page} pageCount={pageCount} total={logs.data.total} noun="requests" onPage={(p) => set({ page: String(p) })} />
          </>
        )}
      </Card>
      <LogDetailDialog id={selected} onClose={() => set({ log: null })} />
      <RetentionDialog open={retention} onClose={() => setRetention(false)} />
    </div>
  );
}
