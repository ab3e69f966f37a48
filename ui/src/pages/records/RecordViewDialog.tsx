import { Copy } from 'lucide-react';
import type { Field, RecordItem } from '@/lib/types';
import { SYSTEM_FIELDS } from '@/lib/types';
import { copyText, formatDateTime } from '@/lib/utils';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { useToast } from '@/components/ui/toast';
import { RecordCell } from './record-display';

interface Props {
  record: RecordItem | null;
  schema?: Field[];
  onClose: () => void;
  onEdit: (r: RecordItem) => void;
}

export function recordJson(r: RecordItem): string {
  const { expand: _expand, ...rest } = r;
  void _expand;
  return JSON.stringify(rest, null, 2);
}

export function RecordViewDialog({ record, schema, onClose, onEdit }: Props) {
  const toast = useToast();
  if (!record) return null;
  const names = schema
    ? schema.map((f) => f.name)
    : Object.keys(record).filter((k) => k !== 'expand' && !(SYSTEM_FIELDS as readonly string[]).includes(k));
  const expand = record.expand && typeof record.expand === 'object' && !Array.isArray(record.expand) ? record.expand : {};

  return (
    <Dialog
      open
      onClose={onClose}
      size="lg"
      title="Record"
      description={<span className="font-mono text-xs">{record.id}</span>}
      footer={
        <>
          <Button variant="outline" onClick={() => void copyText(recordJson(record)).then(() => toast.success('Record copied as JSON'))}>
            <Copy className="h-4 w-4" /> Copy JSON
          </Button>
          <Button onClick={() => onEdit(record)}>Edit</Button>
        </>
      }
    >
      <dl className="grid grid-cols-1 gap-x-4 gap-y-2 text-sm sm:grid-cols-[10rem_minmax(0,1fr)]" data-testid="record-view">
        {names.map((n) => (
          <div key={n} className="contents">
            <dt className="font-mono text-xs text-muted-fg sm:pt-0.5">{n}</dt>
            <dd className="min-w-0 break-words">
              <RecordCell value={record[n]} field={schema?.find((f) => f.name === n)} expanded={expand[n]} recordId={record.id} />
            </dd>
          </div>
        ))}
        <div className="col-span-full my-1 h-px bg-border" />
        {SYSTEM_FIELDS.map((n) => (
          <div key={n} className="contents">
            <dt className="font-mono text-xs text-muted-fg sm:pt-0.5">{n}</dt>
            <dd className="min-w-0 break-all font-mono text-xs">
              {n.endsWith('_at') ? formatDateTime(String(record[n] ?? '')) : String(record[n] ?? '—')}
            </dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
