import { useState } from 'react';
import { AlertTriangle, CheckCircle2 } from 'lucide-react';
import type { Change } from '@/lib/types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Checkbox } from '@/components/ui/input';
import { Dialog } from '@/components/ui/dialog';
import { describeChange } from './builder-model';

interface Props {
  changes: Change[] | null;
  collection: string;
  applying: boolean;
  onCancel: () => void;
  onApply: (confirmDataLoss: boolean) => void;
}

/** What a schema change will do to existing data (from a dry run), then a confirm step. */
export function SchemaPreviewDialog({ changes, collection, applying, onCancel, onApply }: Props) {
  const [understood, setUnderstood] = useState(false);
  const list = changes ?? [];
  const described = list.map(describeChange);
  const lost = described.reduce((sum, d) => sum + d.loss, 0);
  const lossy = described.some((d) => d.loss > 0) || list.some((c) => c.op === 'remove_field' || c.op === 'change_type');

  return (
    <Dialog
      open={changes !== null}
      onClose={onCancel}
      title={`Review changes to ${collection}`}
      description="A dry run on the server worked out what this change does to existing records."
      size="lg"
      footer={
        <>
          <Button variant="outline" onClick={onCancel}>
            Back to editing
          </Button>
          <Button
            variant={lost > 0 ? 'danger' : 'primary'}
            disabled={list.length === 0 || (lost > 0 && !understood)}
            loading={applying}
            onClick={() => onApply(lossy)}
            data-testid="apply-schema"
          >
            Apply changes
          </Button>
        </>
      }
    >
      {list.length === 0 ? (
        <p className="text-sm text-muted-fg">Nothing would change.</p>
      ) : (
        <div className="flex flex-col gap-4">
          <ul className="flex flex-col gap-2" data-testid="schema-changes">
            {described.map((d, i) => (
              <li key={i} className="flex flex-wrap items-center justify-between gap-2 rounded-md border border-border px-3 py-2 text-sm">
                <span>{d.text}</span>
                {d.loss > 0 ? (
                  <Badge tone="danger">
                    deletes {d.loss} value{d.loss === 1 ? '' : 's'}
                  </Badge>
                ) : (
                  <Badge tone="success">no data lost</Badge>
                )}
              </li>
            ))}
          </ul>
          {lost > 0 ? (
            <div className="rounded-md border border-danger/40 bg-danger/10 p-3 text-sm" role="alert">
              <div className="flex items-center gap-2 font-medium text-danger">
                <AlertTriangle className="h-4 w-4" /> {lost} stored value{lost === 1 ? '' : 's'} will be deleted
              </div>
              <label className="mt-2 flex items-center gap-2">
                <Checkbox checked={understood} onChange={(e) => setUnderstood(e.target.checked)} data-testid="confirm-loss" />I understand
                that these values cannot be recovered
              </label>
            </div>
          ) : (
            <p className="flex items-center gap-2 text-sm text-success">
              <CheckCircle2 className="h-4 w-4" /> Existing records keep all their values.
            </p>
          )}
        </div>
      )}
    </Dialog>
  );
}
