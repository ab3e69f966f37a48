import { useState } from 'react';
import { Columns3 } from 'lucide-react';
import { Button } from '@/components/ui/button';
import {
  DropdownCheckItem,
  DropdownContent,
  DropdownLabel,
  DropdownMenu,
  DropdownSeparator,
  DropdownTrigger,
} from '@/components/ui/dropdown';

export const SYSTEM_COLUMNS = ['id', 'created_at', 'updated_at', 'created_by', 'updated_by'];
const DEFAULT_SYSTEM = ['id', 'created_at'];

function read(key: string): string[] | null {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(key) ?? 'null');
    return Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : null;
  } catch {
    return null;
  }
}

/** Which columns show, remembered per collection. */
export function useColumns(collection: string, fields: string[]) {
  const key = `snackbase.columns.${collection}`;
  const [hidden, setHidden] = useState<string[]>(() => read(key) ?? SYSTEM_COLUMNS.filter((c) => !DEFAULT_SYSTEM.includes(c)));
  const toggle = (col: string, show: boolean) => {
    const next = show ? hidden.filter((c) => c !== col) : [...hidden, col];
    setHidden(next);
    localStorage.setItem(key, JSON.stringify(next));
  };
  const visibleFields = fields.filter((f) => !hidden.includes(f));
  const visibleSystem = SYSTEM_COLUMNS.filter((c) => !hidden.includes(c));
  return { hidden, toggle, visibleFields, visibleSystem };
}

interface Props {
  fields: string[];
  hidden: string[];
  onToggle: (col: string, show: boolean) => void;
}

export function ColumnToggle({ fields, hidden, onToggle }: Props) {
  return (
    <DropdownMenu>
      <DropdownTrigger asChild>
        <Button variant="outline" size="md" aria-label="Columns">
          <Columns3 className="h-4 w-4" /> <span className="hidden sm:inline">Columns</span>
        </Button>
      </DropdownTrigger>
      <DropdownContent>
        <DropdownLabel>Fields</DropdownLabel>
        {fields.map((f) => (
          <DropdownCheckItem key={f} checked={!hidden.includes(f)} onCheckedChange={(c) => onToggle(f, c)}>
            <span className="font-mono text-xs">{f}</span>
          </DropdownCheckItem>
        ))}
        <DropdownSeparator />
        <DropdownLabel>System</DropdownLabel>
        {SYSTEM_COLUMNS.map((f) => (
          <DropdownCheckItem key={f} checked={!hidden.includes(f)} onCheckedChange={(c) => onToggle(f, c)}>
            <span className="font-mono text-xs">{f}</span>
          </DropdownCheckItem>
        ))}
      </DropdownContent>
    </DropdownMenu>
  );
}
