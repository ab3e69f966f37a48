import { useEffect, useState } from 'react';
import { useCreateRecord, useUpdateRecord } from '@/api/records';
import { errorMessage } from '@/lib/api';
import { useGuardedClose } from '@/lib/use-unsaved-guard';
import { SYSTEM_FIELDS, type Json, type RecordData, type RecordItem } from '@/lib/types';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Textarea } from '@/components/ui/input';
import { FormError, FormField } from '@/components/ui/form-field';
import { useToast } from '@/components/ui/toast';

interface Props {
  open: boolean;
  onClose: () => void;
  collection: string;
  accountId: string | null;
  record?: RecordItem | null;
}

function editable(record?: RecordItem | null): RecordData {
  if (!record) return {};
  const sys = new Set<string>([...SYSTEM_FIELDS, 'expand']);
  return Object.fromEntries(Object.entries(record).filter(([k]) => !sys.has(k)));
}

/** Create or edit a record as JSON, for when the collection's schema cannot be read. */
export function JsonRecordDialog({ open, onClose, collection, accountId, record }: Props) {
  const toast = useToast();
  const create = useCreateRecord();
  const update = useUpdateRecord();
  const [text, setText] = useState('{}');
  const [initial, setInitial] = useState('{}');
  const [error, setError] = useState('');
  const close = useGuardedClose(text !== initial, onClose);

  useEffect(() => {
    if (!open) return;
    const start = JSON.stringify(editable(record), null, 2);
    setText(start);
    setInitial(start);
    setError('');
  }, [open, record]);

  const submit = async () => {
    let data: Json;
    try {
      data = JSON.parse(text) as Json;
    } catch (e) {
      setError(`Invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      setError('A record is a JSON object');
      return;
    }
    setError('');
    try {
      if (record) await update.mutateAsync({ collection, accountId, id: record.id, data });
      else await create.mutateAsync({ collection, accountId, data });
      toast.success(record ? 'Record saved' : 'Record created');
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <Dialog
      open={open}
      onClose={close}
      size="lg"
      title={record ? 'Edit record' : `New ${collection} record`}
      description="Fields as a JSON object."
      footer={
        <>
          <Button variant="outline" onClick={close}>
            Cancel
          </Button>
          <Button onClick={() => void submit()} loading={create.isPending || update.isPending}>
            {record ? 'Save' : 'Create'}
          </Button>
        </>
      }
    >
      <div className="flex flex-col gap-3">
        <FormError message={error} />
        <FormField label="Record" htmlFor="record-json">
          <Textarea id="record-json" rows={12} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
        </FormField>
      </div>
    </Dialog>
  );
}
