import { useEffect, useRef, useState } from 'react';
import { useAccountOptions } from '@/api/accounts';
import { useCollectionNames } from '@/api/collections';
import { AUDIT_OPERATIONS, hasFilters, type AuditFilters, type FilterKey } from '@/lib/audit';
import { Button } from '@/components/ui/button';
import { Input, Select } from '@/components/ui/input';

/** A text filter that reaches the URL once typing pauses, and follows the URL when it changes elsewhere. */
function DebouncedInput({ value, onCommit, label, placeholder, list }: { value: string; onCommit: (v: string) => void; label: string; placeholder: string; list?: string }) {
  const [text, setText] = useState(value);
  const committed = useRef(value);
  useEffect(() => {
    if (value !== committed.current) {
      committed.current = value;
      setText(value);
    }
  }, [value]);
  useEffect(() => {
    const next = text.trim();
    if (next === committed.current) return;
    const t = setTimeout(() => {
      committed.current = next;
      onCommit(next);
    }, 300);
    return () => clearTimeout(t);
  }, [text]);
  return <Input value={text} onChange={(e) => setText(e.target.value)} aria-label={label} placeholder={placeholder} list={list} />;
}

interface AuditFiltersBarProps {
  filters: AuditFilters;
  superadmin: boolean;
  onChange: (changes: Partial<Record<FilterKey, string>>) => void;
}

/** The list's filters; each change resets the page. */
export function AuditFiltersBar({ filters, superadmin, onChange }: AuditFiltersBarProps) {
  const accounts = useAccountOptions(superadmin);
  const names = useCollectionNames();
  const set = (key: FilterKey) => (v: string) => onChange({ [key]: v });
  return (
    <div className="grid grid-cols-1 gap-2 border-b border-border p-3 sm:grid-cols-2 lg:grid-cols-4" role="search">
      <DebouncedInput value={filters.table_name} onCommit={set('table_name')} label="Table" placeholder="Table or collection" list="audit-table-names" />
      <datalist id="audit-table-names">
        {names.data?.names.map((n) => <option key={n} value={n} />)}
      </datalist>
      <DebouncedInput value={filters.record_id} onCommit={set('record_id')} label="Record id" placeholder="Record id" />
      <DebouncedInput value={filters.user_id} onCommit={set('user_id')} label="User id" placeholder="User id" />
      <Select value={filters.operation} onChange={(e) => onChange({ operation: e.target.value })} aria-label="Operation">
        <option value="">Any operation</option>
        {AUDIT_OPERATIONS.map((op) => (
          <option key={op} value={op}>
            {op}
          </option>
        ))}
        {filters.operation && !(AUDIT_OPERATIONS as readonly string[]).includes(filters.operation) && (
          <option value={filters.operation}>{filters.operation}</option>
        )}
      </Select>
      {superadmin && (
        <Select value={filters.account_id} onChange={(e) => onChange({ account_id: e.target.value })} aria-label="Account">
          <option value="">Any account</option>
          {accounts.data?.items.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name} ({a.id})
            </option>
          ))}
          {filters.account_id && !accounts.data?.items.some((a) => a.id === filters.account_id) && (
            <option value={filters.account_id}>{filters.account_id}</option>
          )}
        </Select>
      )}
      <label className="flex items-center gap-2 text-xs text-muted-fg">
        From
        <Input type="date" value={filters.from_date} onChange={(e) => onChange({ from_date: e.target.value })} aria-label="From date" />
      </label>
      <label className="flex items-center gap-2 text-xs text-muted-fg">
        To
        <Input type="date" value={filters.to_date} onChange={(e) => onChange({ to_date: e.target.value })} aria-label="To date" />
      </label>
      <Button
        variant="ghost"
        disabled={!hasFilters(filters)}
        onClick={() => onChange({ account_id: '', table_name: '', record_id: '', user_id: '', operation: '', from_date: '', to_date: '' })}
      >
        Clear filters
      </Button>
    </div>
  );
}
