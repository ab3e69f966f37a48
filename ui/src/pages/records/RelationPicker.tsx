import { useState } from 'react';
import * as Popover from '@radix-ui/react-popover';
import { Check, ChevronsUpDown, X } from 'lucide-react';
import { useCollectionByName } from '@/api/collections';
import { useRelationOptions } from '@/api/records';
import { cn, shortId } from '@/lib/utils';
import { Input } from '@/components/ui/input';
import { recordLabel } from './record-display';

interface Props {
  id: string;
  target: string;
  accountId: string | null;
  value: string;
  onChange: (value: string) => void;
  invalid?: boolean;
}

/** Picks a record of the target collection, in the same account. */
export function RelationPicker({ id, target, accountId, value, onChange, invalid }: Props) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const schema = useCollectionByName(target, open);
  const options = useRelationOptions(target, accountId, open || Boolean(value));
  const items = options.data?.items ?? [];
  const label = (r: (typeof items)[number]) => recordLabel(r, schema.data?.schema);
  const selected = items.find((r) => r.id === value);
  const q = query.trim().toLowerCase();
  const filtered = q ? items.filter((r) => label(r).toLowerCase().includes(q) || r.id.toLowerCase().startsWith(q)) : items;
  const looksLikeId = /^[0-9a-f-]{8,}$/i.test(query.trim()) && !items.some((r) => r.id === query.trim());

  const choose = (v: string) => {
    onChange(v);
    setOpen(false);
    setQuery('');
  };

  return (
    <Popover.Root open={open} onOpenChange={setOpen}>
      <div className="flex min-w-0 gap-1">
        <Popover.Trigger asChild>
          <button
            id={id}
            type="button"
            aria-invalid={invalid}
            className={cn(
              'flex h-9 min-w-0 flex-1 cursor-pointer items-center justify-between gap-2 rounded-md border border-input bg-card px-3 text-left text-sm',
              'focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring aria-[invalid=true]:border-danger',
            )}
            data-testid={`relation-${id}`}
          >
            <span className={cn('min-w-0 truncate', !value && 'text-muted-fg')}>
              {value ? (selected ? `${label(selected)} · ${shortId(value)}` : value) : `Choose a ${target} record…`}
            </span>
            <ChevronsUpDown className="h-4 w-4 shrink-0 text-muted-fg" aria-hidden />
          </button>
        </Popover.Trigger>
        {value && (
          <button
            type="button"
            onClick={() => onChange('')}
            className="cursor-pointer rounded-md px-2 text-muted-fg hover:bg-muted hover:text-fg"
            aria-label="Clear reference"
          >
            <X className="h-4 w-4" />
          </button>
        )}
      </div>
      <Popover.Portal>
        <Popover.Content
          align="start"
          sideOffset={4}
          className="z-[70] w-[var(--radix-popover-trigger-width)] min-w-64 max-w-[calc(100vw-1.5rem)] rounded-md border border-border bg-card p-2 text-sm text-fg shadow-lg"
        >
          <Input
            autoFocus
            placeholder={`Search ${target} or paste an id`}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            aria-label={`Search ${target}`}
          />
          <ul className="mt-2 max-h-60 overflow-y-auto" role="listbox" aria-label={`${target} records`}>
            {options.isPending && <li className="px-2 py-1.5 text-muted-fg">Loading…</li>}
            {options.isError && <li className="px-2 py-1.5 text-danger">Could not load {target} records</li>}
            {looksLikeId && (
              <li>
                <button type="button" className="w-full cursor-pointer rounded px-2 py-1.5 text-left hover:bg-muted" onClick={() => choose(query.trim())}>
                  Use id <span className="font-mono text-xs">{query.trim()}</span>
                </button>
              </li>
            )}
            {options.data && filtered.length === 0 && !looksLikeId && (
              <li className="px-2 py-1.5 text-muted-fg">No {target} records{q ? ' match' : ' in this account'}</li>
            )}
            {filtered.map((r) => (
              <li key={r.id} role="option" aria-selected={r.id === value}>
                <button
                  type="button"
                  className="flex w-full cursor-pointer items-center gap-2 rounded px-2 py-1.5 text-left hover:bg-muted"
                  onClick={() => choose(r.id)}
                >
                  <Check className={cn('h-3.5 w-3.5 shrink-0', r.id === value ? 'opacity-100' : 'opacity-0')} aria-hidden />
                  <span className="min-w-0 flex-1 truncate">{label(r)}</span>
                  <span className="font-mono text-xs text-muted-fg">{shortId(r.id)}</span>
                </button>
              </li>
            ))}
          </ul>
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}
