import type { Field, Json, RecordData } from '@/lib/types';
import { SYSTEM_FIELDS } from '@/lib/types';
import { formatDateTime, shortId } from '@/lib/utils';
import { Badge } from '@/components/ui/badge';
import { fileNames } from '@/lib/record-files';
import { FileCell } from './record-files';

/** A short human label for a record: its first text value, else its id. */
export function recordLabel(record: RecordData, schema?: Field[]): string {
  const textual = schema?.find((f) => f.type === 'text' && typeof record[f.name] === 'string' && record[f.name] !== '');
  if (textual) return String(record[textual.name]);
  const sys = new Set<string>(SYSTEM_FIELDS);
  for (const [k, v] of Object.entries(record)) {
    if (!sys.has(k) && k !== 'expand' && typeof v === 'string' && v && !/^[0-9a-f-]{36}$/.test(v)) return v;
  }
  return typeof record.id === 'string' ? shortId(record.id) : '';
}

function truncate(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

interface CellProps {
  value: Json | undefined;
  field?: Field;
  expanded?: Json;
  /** The record's id (file fields link to its files). */
  recordId?: string;
}

/** One grid cell, drawn by the field's type. */
export function RecordCell({ value, field, expanded, recordId }: CellProps) {
  if (value === null || value === undefined || value === '') return <span className="text-muted-fg">—</span>;
  const type = field?.type;
  if (type === 'file') {
    const names = fileNames(value);
    return names.length ? <FileCell recordId={recordId} names={names} /> : <span className="text-muted-fg">—</span>;
  }
  if (type === 'boolean' || typeof value === 'boolean') {
    return <Badge tone={value ? 'success' : 'neutral'}>{value ? 'Yes' : 'No'}</Badge>;
  }
  if (type === 'reference' && typeof value === 'string') {
    const label =
      expanded && typeof expanded === 'object' && !Array.isArray(expanded) ? recordLabel(expanded as RecordData) : '';
    return (
      <span title={value}>
        {label ? <span>{truncate(label, 40)} </span> : null}
        <span className="font-mono text-xs text-muted-fg">{shortId(value)}</span>
      </span>
    );
  }
  if (type === 'datetime' && typeof value === 'string') return <span className="whitespace-nowrap">{formatDateTime(value)}</span>;
  if (Array.isArray(value) && type === 'select') {
    return (
      <span className="flex flex-wrap gap-1">
        {value.map((v) => (
          <Badge key={String(v)}>{String(v)}</Badge>
        ))}
      </span>
    );
  }
  if (type === 'select') return <Badge tone="primary">{String(value)}</Badge>;
  if (typeof value === 'object') return <code className="whitespace-nowrap font-mono text-xs">{truncate(JSON.stringify(value), 50)}</code>;
  if (type === 'url' && typeof value === 'string') {
    return (
      <a href={value} target="_blank" rel="noreferrer noopener" className="text-primary hover:underline">
        {truncate(value, 40)}
      </a>
    );
  }
  return <span title={String(value)}>{truncate(String(value))}</span>;
}
