import { Link } from 'react-router';
import type { StorageUsage } from '@/api/storage';
import { Card, CardHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/states';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';
import { formatBytes } from './storage-format';

const MAX_ROWS = 50;

function Total({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="min-w-0">
      <div className="text-xs text-muted-fg">{label}</div>
      <div className="text-xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

/** Totals from the files table, and the accounts that use the most. */
export function UsageCard({ usage }: { usage: StorageUsage }) {
  const rows = usage.by_account;
  return (
    <Card>
      <CardHeader
        title="Usage"
        description={rows.length >= MAX_ROWS ? `The ${MAX_ROWS} accounts using the most space` : 'Files stored per account, biggest first'}
      />
      <div className="border-b border-border px-4 py-3">
        <div className="grid max-w-md grid-cols-2 gap-3">
          <Total label="Files" value={usage.files.toLocaleString()} testId="storage-total-files" />
          <Total label="Size" value={formatBytes(usage.bytes)} testId="storage-total-bytes" />
        </div>
      </div>
      {rows.length === 0 ? (
        <EmptyState title="No files stored yet" />
      ) : (
        <TableContainer>
          <Table data-testid="storage-usage">
            <thead>
              <tr>
                <Th>Account</Th>
                <Th>ID</Th>
                <Th className="text-right">Files</Th>
                <Th className="text-right">Size</Th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.account_id} data-account={a.account_id} data-files={a.files} data-bytes={a.bytes}>
                  <Td className="max-w-36 truncate sm:max-w-64">
                    <Link to={`/accounts/${a.account_id}`} className="hover:underline" title={a.account_name}>
                      {a.account_name}
                    </Link>
                  </Td>
                  <Td className="whitespace-nowrap font-mono text-xs text-muted-fg">{a.account_id}</Td>
                  <Td className="text-right tabular-nums">{a.files.toLocaleString()}</Td>
                  <Td className="whitespace-nowrap text-right tabular-nums">{formatBytes(a.bytes)}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
        </TableContainer>
      )}
    </Card>
  );
}
