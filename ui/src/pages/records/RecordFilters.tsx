import { useEffect, useState } from 'react';
import { Filter, X } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { ExpressionError } from '@/components/ExpressionError';

interface Props {
  fields: string[];
  /** The applied expression (`filter=`). */
  filter: string;
  onChange: (filter: string) => void;
  /** The server's complaint about the applied expression, if any. */
  error?: { message: string; position?: number | null } | null;
}

/** The `filter=` expression bar: the rule language, applied on Enter. */
export function RecordFilters({ fields, filter, onChange, error }: Props) {
  const [value, setValue] = useState(filter);
  useEffect(() => setValue(filter), [filter]);
  const example = fields.length ? `${fields[0]} == '…'` : "title == 'Hello' and views > 10";

  return (
    <div className="flex min-w-0 flex-1 flex-col gap-1.5">
      <form
        className="flex min-w-0 gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          onChange(value.trim());
        }}
        role="search"
      >
        <Input
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder={`Filter, e.g. ${example}`}
          className="min-w-0 flex-1 font-mono text-xs sm:w-96 sm:flex-none"
          aria-label="Filter expression"
          aria-invalid={error ? true : undefined}
          spellCheck={false}
          autoComplete="off"
        />
        <Button type="submit" variant="outline" aria-label="Apply filter">
          <Filter className="h-4 w-4" /> <span className="hidden sm:inline">Filter</span>
        </Button>
        {filter && (
          <Button
            variant="ghost"
            size="icon"
            aria-label="Clear filter"
            onClick={() => {
              setValue('');
              onChange('');
            }}
          >
            <X className="h-4 w-4" />
          </Button>
        )}
      </form>
      {error && <ExpressionError expression={filter} message={error.message} position={error.position} testId="filter-error" />}
    </div>
  );
}
