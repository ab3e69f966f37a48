import { useEffect, useState } from 'react';
import { Search, X } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';

interface Props {
  /** The applied search text (`search=`). */
  search: string;
  /** The collection's searchable fields, when the schema is known. */
  fields: string[] | null;
  /** Results are ordered by relevance (no sort chosen). */
  ranked: boolean;
  error?: string;
  onChange: (search: string) => void;
}

/** Full-text search over the searchable fields, applied on Enter. */
export function RecordSearch({ search, fields, ranked, error, onChange }: Props) {
  const [value, setValue] = useState(search);
  useEffect(() => setValue(search), [search]);
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <form
        className="flex min-w-0 gap-2"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          onChange(value.trim());
        }}
      >
        <Input
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder={fields?.length ? `Search ${fields.join(', ')}` : 'Search'}
          className="min-w-0 flex-1 sm:w-96 sm:flex-none"
          aria-label="Search records"
          aria-invalid={error ? true : undefined}
          maxLength={200}
          autoComplete="off"
        />
        <Button type="submit" variant="outline" aria-label="Search">
          <Search className="h-4 w-4" /> <span className="hidden sm:inline">Search</span>
        </Button>
        {search && (
          <Button
            variant="ghost"
            size="icon"
            aria-label="Clear search"
            onClick={() => {
              setValue('');
              onChange('');
            }}
          >
            <X className="h-4 w-4" />
          </Button>
        )}
      </form>
      {error ? (
        <p className="text-xs text-danger" role="alert" data-testid="search-error">
          {error}
        </p>
      ) : (
        search && (
          <p className="text-xs text-muted-fg" data-testid="search-order">
            {ranked ? 'Most relevant first; click a column to sort instead.' : 'Sorted by the chosen column.'}
          </p>
        )
      )}
    </div>
  );
}
