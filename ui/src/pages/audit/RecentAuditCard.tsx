import { Link } from 'react-router';
import { historyHref, operationTone } from '@/lib/audit';
import type { AuditLog } from '@/lib/audit-types';
import { formatDateTime, shortId } from '@/lib/utils';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';

/** The dashboard's newest audit entries, with a way to the full trail. */
export function RecentAuditCard({ entries }: { entries: AuditLog[] }) {
  return (
    <Card data-testid="recent-audit">
      <CardHeader
        title="Recent audit entries"
        description="The newest changes and sign-ins"
        actions={
          <Link to="/audit-logs" className="text-xs font-medium text-primary hover:underline">
            View all audit logs
          </Link>
        }
      />
      <TableContainer>
        <Table>
          <thead>
            <tr>
              <Th>Time</Th>
              <Th>Operation</Th>
              <Th>Table</Th>
              <Th>Record</Th>
              <Th>User</Th>
            </tr>
          </thead>
          <tbody>
            {entries.length === 0 && (
              <tr>
                <Td colSpan={5} className="text-center text-muted-fg">
                  Nothing audited yet
                </Td>
              </tr>
            )}
            {entries.map((e) => (
              <tr key={e.id} data-id={e.id} data-operation={e.operation} data-table={e.table_name}>
                <Td className="whitespace-nowrap text-muted-fg">{formatDateTime(e.occurred_at)}</Td>
                <Td>
                  <Badge tone={operationTone(e.operation)}>{e.operation}</Badge>
                </Td>
                <Td className="whitespace-nowrap font-mono text-xs">
                  {e.table_name}
                  {e.column_name && <span className="text-muted-fg">.{e.column_name}</span>}
                </Td>
                <Td className="whitespace-nowrap font-mono text-xs">
                  {e.record_id ? (
                    <Link to={historyHref(e.table_name, e.record_id)} className="hover:underline" title={e.record_id}>
                      {shortId(e.record_id)}
                    </Link>
                  ) : (
                    '—'
                  )}
                </Td>
                <Td className="max-w-56 truncate">{e.user_email ?? <span className="text-muted-fg">—</span>}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </TableContainer>
    </Card>
  );
}
