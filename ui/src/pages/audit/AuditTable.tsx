import { Link } from 'react-router';
import { History } from 'lucide-react';
import { historyHref, operationTone, type AuditFilters } from '@/lib/audit';
import type { AuditLog } from '@/lib/audit-types';
import { formatDateTime, shortId } from '@/lib/utils';
import { Badge } from '@/components/ui/badge';
import { SortTh, Table, TableContainer, Td, Th } from '@/components/ui/table';
import { OldNew } from './AuditValue';

interface AuditTableProps {
  items: AuditLog[];
  filters: AuditFilters;
  onSort: (field: AuditFilters['sort_by']) => void;
  onOpen: (id: number) => void;
}

/** The list of entries: one row per changed column (or auth event). */
export function AuditTable({ items, filters, onSort, onOpen }: AuditTableProps) {
  const sortProps = { sortBy: filters.sort_by, sortDir: filters.sort_order, onSort: (f: string) => onSort(f as AuditFilters['sort_by']) };
  return (
    <TableContainer>
      <Table data-testid="audit-table">
        <thead>
          <tr>
            <SortTh label="Time" field="occurred_at" {...sortProps} />
            <SortTh label="Operation" field="operation" {...sortProps} />
            <SortTh label="Table" field="table_name" {...sortProps} />
            <Th>Record</Th>
            <Th>Column</Th>
            <Th>Old → new</Th>
            <SortTh label="User" field="user_email" {...sortProps} />
            <Th>Request</Th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr
              key={e.id}
              className="cursor-pointer hover:bg-muted/40"
              data-id={e.id}
              data-operation={e.operation}
              data-table={e.table_name}
              data-record={e.record_id}
              data-column={e.column_name ?? undefined}
              onClick={() => onOpen(e.id)}
            >
              <Td className="whitespace-nowrap text-muted-fg">
                <button
                  type="button"
                  className="cursor-pointer text-left hover:underline"
                  onClick={(ev) => {
                    ev.stopPropagation();
                    onOpen(e.id);
                  }}
                  aria-label={`Details of entry ${e.id}`}
                >
                  {formatDateTime(e.occurred_at)}
                </button>
              </Td>
              <Td>
                <Badge tone={operationTone(e.operation)}>{e.operation}</Badge>
              </Td>
              <Td className="whitespace-nowrap font-mono text-xs">{e.table_name}</Td>
              <Td className="whitespace-nowrap font-mono text-xs">
                {e.record_id ? (
                  <Link
                    to={historyHref(e.table_name, e.record_id)}
                    onClick={(ev) => ev.stopPropagation()}
                    className="inline-flex items-center gap-1 hover:underline"
                    title={`History of ${e.table_name} ${e.record_id}`}
                    aria-label={`History of ${e.table_name} ${e.record_id}`}
                  >
                    <History className="h-3 w-3 text-muted-fg" aria-hidden />
                    {shortId(e.record_id)}
                  </Link>
                ) : (
                  <span className="text-muted-fg">—</span>
                )}
              </Td>
              <Td className="whitespace-nowrap font-mono text-xs">{e.column_name ?? <span className="text-muted-fg">—</span>}</Td>
              <Td>
                <OldNew oldValue={e.old_value} newValue={e.new_value} />
              </Td>
              <Td className="max-w-56 truncate" title={e.user_email ?? undefined}>
                {e.user_email ?? <span className="text-muted-fg">—</span>}
                {e.es_username && (
                  <Badge tone="primary" className="ml-1.5" title={`Signed by ${e.es_username}: ${e.es_reason ?? ''}`}>
                    signed
                  </Badge>
                )}
              </Td>
              <Td className="whitespace-nowrap font-mono text-xs text-muted-fg" title={e.request_id ?? undefined}>
                {e.request_id ? shortId(e.request_id) : '—'}
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </TableContainer>
  );
}
