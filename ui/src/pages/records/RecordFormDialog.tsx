import { useEffect, useMemo, useState } from 'react';
import { FormProvider, useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useCreateRecord, useUpdateRecord } from '@/api/records';
import { applyServerErrors } from '@/lib/form-errors';
import { recordFormSchema, toFormValues, toPayload, type RecordFormValues } from '@/lib/record-form';
import { isFileValue, recordBody, type FileFormValue } from '@/lib/record-files';
import { useGuardedClose } from '@/lib/use-unsaved-guard';
import type { Field, RecordItem } from '@/lib/types';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { FormError } from '@/components/ui/form-field';
import { useToast } from '@/components/ui/toast';
import { RecordFieldInput } from './RecordFieldInput';

interface Props {
  open: boolean;
  onClose: () => void;
  collection: string;
  schema: Field[];
  accountId: string | null;
  /** Edit this record; create when absent. */
  record?: RecordItem | null;
}

export function RecordFormDialog(props: Props) {
  // A fresh form (and resolver) for each schema.
  return <RecordForm key={props.schema.map((f) => `${f.name}:${f.type}`).join(',')} {...props} />;
}

function RecordForm({ open, onClose, collection, schema, accountId, record }: Props) {
  const toast = useToast();
  const create = useCreateRecord();
  const update = useUpdateRecord();
  const [formError, setFormError] = useState('');
  const resolver = useMemo(() => zodResolver(recordFormSchema(schema)), [schema]);
  const form = useForm<RecordFormValues>({ resolver, defaultValues: toFormValues(schema) });
  const close = useGuardedClose(form.formState.isDirty, onClose);

  useEffect(() => {
    if (!open) return;
    setFormError('');
    form.reset(toFormValues(schema, record ?? undefined));
  }, [open, record, schema, form]);

  const rename = Object.fromEntries(schema.map((f) => [f.name, `data.${f.name}`]));

  const fileFields = useMemo(() => schema.filter((f) => f.type === 'file'), [schema]);

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError('');
    const files: Record<string, FileFormValue> = {};
    for (const f of fileFields) {
      const v = values.data[f.name];
      if (isFileValue(v)) files[f.name] = v;
    }
    try {
      if (record) {
        const data = recordBody(fileFields, toPayload(schema, values, record), files, record);
        if (!(data instanceof FormData) && Object.keys(data).length === 0) {
          onClose();
          return;
        }
        await update.mutateAsync({ collection, accountId, id: record.id, data });
        toast.success('Record saved');
      } else {
        const data = recordBody(fileFields, toPayload(schema, values), files);
        const created = await create.mutateAsync({ collection, accountId, data });
        toast.success(`Record ${created.id.slice(0, 8)} created`);
      }
      onClose();
    } catch (e) {
      setFormError(applyServerErrors(e, form.setError, Object.values(rename), rename));
    }
  });

  return (
    <Dialog
      open={open}
      onClose={close}
      size="lg"
      title={record ? `Edit record` : `New ${collection} record`}
      description={record ? <span className="font-mono text-xs">{record.id}</span> : undefined}
      footer={
        <>
          <Button variant="outline" onClick={close}>
            Cancel
          </Button>
          <Button type="submit" form="record-form" loading={create.isPending || update.isPending}>
            {record ? 'Save' : 'Create'}
          </Button>
        </>
      }
    >
      <FormProvider {...form}>
        <form id="record-form" onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
          <FormError message={formError} />
          <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
            {schema.map((f) => (
              <div key={f.name} className={f.type === 'json' || f.type === 'file' ? 'md:col-span-2' : undefined}>
                <RecordFieldInput field={f} accountId={accountId} recordId={record?.id} />
              </div>
            ))}
          </div>
        </form>
      </FormProvider>
    </Dialog>
  );
}
