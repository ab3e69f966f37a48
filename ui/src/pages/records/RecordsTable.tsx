import { Copy, Eye, History, MoreHorizontal, Pencil, Trash2 } from 'lucide-react';
import type { Field, Json, RecordItem } from '@/lib/types';
import { formatDateTime, shortId } from '@/lib/utils';
import { Button } from '@/components/ui/button';
import { Checkbox } from '@/components/ui/input';
import { DropdownContent, DropdownItem, DropdownMenu, DropdownTrigger } from '@/components/ui/dropdown';
import { SortTh, Table, TableContainer, Td, Th } from '@/components/ui/table';
import { RecordCell } from './record-display';

export interface Sort {
  field: string;
  dir: 'asc' | 'desc';
}

interface Props {
  items: RecordItem[];
  columns: string[];
  systemColumns: string[];
  schema?: Field[];
  sort: Sort;
  onSort: (field: string) => void;
  selected: Set<string>;
  onSelect: (id: string, on: boolean) => void;
  onSelectAll: (on: boolean) => void;
  onView: (r: RecordItem) => void;
  onEdit: (r: RecordItem) => void;
  onCopy: (r: RecordItem) => void;
  onDelete: (r: RecordItem) => void;
  /** Opens the record's audit history; absent for those who may not read the audit trail. */
  onHistory?: (r: RecordItem) => void;
}

function expandedOf(r: RecordItem, field: string): Json | undefined {
  const e = r.expand;
  return e && typeof e === 'object' && !Array.isArray(e) ? e[field] : undefined;
}

export function RecordsTable(p: Props) {
  const allOn = p.items.length > 0 && p.items.every((r) => p.selected.has(r.id));
  const sortProps = { sortBy: p.sort.field, sortDir: p.sort.dir, onSort: p.onSort };
  const sys = (c: string) => p.systemColumns.includes(c);

  return (
    <TableContainer>
      <Table data-testid="records-table">
        <thead>
          <tr>
            <Th className="w-8">
              <Checkbox checked={allOn} onChange={(e) => p.onSelectAll(e.target.checked)} aria-label="Select all on this page" />
            </Th>
            {sys('id') && <Th className="normal-case">id</Th>}
            {p.columns.map((c) => (
              <SortTh key={c} label={c} field={c} {...sortProps} className="normal-case" />
            ))}
            {['created_at', 'updated_at'].filter(sys).map((c) => (
              <SortTh key={c} label={c} field={c} {...sortProps} className="normal-case" />
            ))}
            {['created_by', 'updated_by'].filter(sys).map((c) => (
              <Th key={c} className="normal-case">
                {c}
              </Th>
            ))}
            <Th className="text-right">
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </thead>
        <tbody>
          {p.items.map((r) => (
            <tr key={r.id} className="hover:bg-muted/40" data-record-id={r.id}>
              <Td>
                <Checkbox checked={p.selected.has(r.id)} onChange={(e) => p.onSelect(r.id, e.target.checked)} aria-label={`Select ${r.id}`} />
              </Td>
              {sys('id') && (
                <Td className="font-mono text-xs">
                  <button type="button" className="cursor-pointer hover:underline" onClick={() => p.onView(r)} title={r.id}>
                    {shortId(r.id)}
                  </button>
                </Td>
              )}
              {p.columns.map((c) => (
                <Td key={c} className="whitespace-nowrap" data-col={c}>
                  <div className="max-w-80 overflow-hidden text-ellipsis">
                    <RecordCell value={r[c]} field={p.schema?.find((f) => f.name === c)} expanded={expandedOf(r, c)} recordId={r.id} />
                  </div>
                </Td>
              ))}
              {['created_at', 'updated_at'].filter(sys).map((c) => (
                <Td key={c} className="whitespace-nowrap text-muted-fg">
                  {formatDateTime(String(r[c] ?? ''))}
                </Td>
              ))}
              {['created_by', 'updated_by'].filter(sys).map((c) => (
                <Td key={c} className="font-mono text-xs text-muted-fg">
                  {typeof r[c] === 'string' ? shortId(String(r[c])) : '—'}
                </Td>
              ))}
              <Td className="text-right">
                <DropdownMenu>
                  <DropdownTrigger asChild>
                    <Button variant="ghost" size="sm" aria-label={`Actions for record ${shortId(r.id)}`}>
                      <MoreHorizontal className="h-4 w-4" />
                    </Button>
                  </DropdownTrigger>
                  <DropdownContent>
                    <DropdownItem onSelect={() => p.onView(r)}>
                      <Eye className="h-3.5 w-3.5" /> View
                    </DropdownItem>
                    <DropdownItem onSelect={() => p.onEdit(r)}>
                      <Pencil className="h-3.5 w-3.5" /> Edit
                    </DropdownItem>
                    <DropdownItem onSelect={() => p.onCopy(r)}>
                      <Copy className="h-3.5 w-3.5" /> Copy as JSON
                    </DropdownItem>
                    {p.onHistory && (
                      <DropdownItem onSelect={() => p.onHistory?.(r)}>
                        <History className="h-3.5 w-3.5" /> Audit history
                      </DropdownItem>
                    )}
                    <DropdownItem danger onSelect={() => p.onDelete(r)}>
                      <Trash2 className="h-3.5 w-3.5" /> Delete
                    </DropdownItem>
                  </DropdownContent>
                </DropdownMenu>
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </TableContainer>
  );
}
