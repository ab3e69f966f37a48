import { useState } from 'react';
import { Filter, X } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Input, Select } from '@/components/ui/input';

interface Props {
  fields: string[];
  filters: Record<string, string>;
  onChange: (filters: Record<string, string>) => void;
}

/**
 * Equality filters (`field=value`), which the records API supports today.
 * The `filter=` expression bar replaces this once the server has it.
 */
export function RecordFilters({ fields, filters, onChange }: Props) {
  const [field, setField] = useState('');
  const [value, setValue] = useState('');
  const chosen = field || fields[0] || '';

  const add = () => {
    if (!chosen || value.trim() === '') return;
    onChange({ ...filters, [chosen]: value.trim() });
    setValue('');
  };

  const entries = Object.entries(filters);
  return (
    <div className="flex min-w-0 flex-1 flex-col gap-2">
      <form
        className="flex min-w-0 flex-wrap gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
        role="search"
      >
        {fields.length > 0 ? (
          <Select value={chosen} onChange={(e) => setField(e.target.value)} className="w-auto min-w-0 max-w-40" aria-label="Filter field">
            {fields.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </Select>
        ) : (
          <Input value={field} onChange={(e) => setField(e.target.value)} placeholder="field" className="w-28" aria-label="Filter field" />
        )}
        <Input value={value} onChange={(e) => setValue(e.target.value)} placeholder="equals…" className="min-w-0 flex-1 sm:w-44 sm:flex-none" aria-label="Filter value" />
        <Button type="submit" variant="outline" aria-label="Add filter">
          <Filter className="h-4 w-4" /> <span className="hidden sm:inline">Filter</span>
        </Button>
      </form>
      {entries.length > 0 && (
        <div className="flex flex-wrap gap-1.5" aria-label="Active filters">
          {entries.map(([k, v]) => (
            <span key={k} className="inline-flex items-center gap-1 rounded-full bg-primary/15 px-2.5 py-0.5 text-xs text-primary">
              <span className="font-mono">
                {k} = {v}
              </span>
              <button
                type="button"
                className="cursor-pointer"
                aria-label={`Remove filter ${k}`}
                onClick={() => {
                  const next = { ...filters };
                  delete next[k];
                  onChange(next);
                }}
              >
                <X className="h-3 w-3" />
              </button>
            </span>
          ))}
        </div>
      )}
    </div>
  );
}
