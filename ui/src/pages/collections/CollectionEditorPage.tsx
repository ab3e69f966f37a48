import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { FormProvider, useFieldArray, useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { ArrowLeft, Plus } from 'lucide-react';
import { useCollection, useCollectionNames, useCreateCollection, useUpdateCollection } from '@/api/collections';
import { applyServerErrors } from '@/lib/form-errors';
import { useUnsavedGuard } from '@/lib/use-unsaved-guard';
import type { Change, Collection } from '@/lib/types';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { FormError, FormField } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { builderSchema, fromField, newField, toFieldInput, toIndexes, type BuilderValues } from './builder-model';
import { FieldRow } from './FieldRow';
import { HistoryCard } from './HistoryCard';
import { IndexesEditor } from './IndexesEditor';
import { SchemaPreviewDialog } from './SchemaPreviewDialog';

const EMPTY: BuilderValues = { name: '', schema: [newField()], indexes: [] };

function toValues(c: Collection): BuilderValues {
  return {
    name: c.name,
    schema: c.schema.map(fromField),
    indexes: c.indexes.map((ix) => ({ fields: ix.fields, unique: ix.unique ?? false })),
  };
}

export function CollectionEditorPage() {
  const { id } = useParams();
  const editing = Boolean(id);
  const existing = useCollection(id);
  if (editing && existing.isPending) return <Spinner />;
  if (editing && existing.isError) return <ErrorState error={existing.error} onRetry={() => void existing.refetch()} />;
  return <Editor key={existing.data?.id ?? 'new'} collection={existing.data} />;
}

function Editor({ collection }: { collection?: Collection }) {
  const navigate = useNavigate();
  const toast = useToast();
  const names = useCollectionNames();
  const create = useCreateCollection();
  const update = useUpdateCollection();
  const [formError, setFormError] = useState('');
  const [preview, setPreview] = useState<Change[] | null>(null);
  const [previewKey, setPreviewKey] = useState(0);
  const [saved, setSaved] = useState(false);

  const form = useForm<BuilderValues>({
    resolver: zodResolver(builderSchema),
    defaultValues: collection ? toValues(collection) : EMPTY,
  });
  const { fields, append, remove, move } = useFieldArray({ control: form.control, name: 'schema' });
  const { errors, isDirty } = form.formState;
  useUnsavedGuard(isDirty && !saved);

  useEffect(() => {
    if (saved) navigate('/collections');
  }, [saved, navigate]);

  const targets = Array.from(new Set([...(names.data?.names ?? []), ...(collection ? [collection.name] : [])])).sort();
  const known = ['name', 'schema', 'indexes'];

  const payload = (v: BuilderValues) => ({
    schema: v.schema.map((f) => toFieldInput(f, Boolean(collection))),
    indexes: toIndexes(v),
  });

  const onSubmit = form.handleSubmit(async (v) => {
    setFormError('');
    try {
      if (!collection) {
        const created = await create.mutateAsync({ name: v.name.trim(), ...payload(v) });
        toast.success(`Collection ${created.name} created`);
        setSaved(true);
        return;
      }
      // Ask the server what the change would do (confirm_data_loss lets the dry run report losses).
      const res = await update.mutateAsync({
        id: collection.id,
        body: { ...payload(v), dry_run: true, confirm_data_loss: true },
      });
      setPreviewKey((k) => k + 1);
      setPreview(res.changes);
    } catch (e) {
      setFormError(applyServerErrors(e, form.setError, known));
    }
  });

  const apply = async (confirmDataLoss: boolean) => {
    if (!collection) return;
    try {
      const res = await update.mutateAsync({
        id: collection.id,
        body: { ...payload(form.getValues()), dry_run: false, confirm_data_loss: confirmDataLoss },
      });
      setPreview(null);
      toast.success(`Schema of ${res.name} updated to version ${res.version}`);
      setSaved(true);
    } catch (e) {
      setPreview(null);
      setFormError(applyServerErrors(e, form.setError, known));
    }
  };

  const schemaRootError = errors.schema?.root?.message ?? errors.schema?.message;

  return (
    <FormProvider {...form}>
      <PageHeader
        back={
          <Link to="/collections" className="mb-1 inline-flex items-center gap-1 text-xs text-muted-fg hover:text-fg">
            <ArrowLeft className="h-3 w-3" /> Collections
          </Link>
        }
        title={collection ? `Edit ${collection.name}` : 'New collection'}
        description={collection ? `Version ${collection.version} · changes are previewed before they apply` : 'Define the fields every account’s records will have'}
      />
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
        <FormError message={formError} />
        <Card className="p-4">
          <FormField
            label="Collection name"
            htmlFor="collection-name"
            error={errors.name?.message}
            hint={collection ? 'A collection cannot be renamed' : '3–48 letters, digits and underscores, starting with a letter'}
            className="max-w-md"
          >
            <Input id="collection-name" readOnly={!!collection} disabled={!!collection} aria-invalid={!!errors.name} {...form.register('name')} />
          </FormField>
        </Card>
        <Card>
          <CardHeader title="Fields" description="Every record also has id, account_id, created_at, created_by, updated_at and updated_by." />
          <div className="flex flex-col gap-3 p-4">
            {fields.map((f, i) => (
              <FieldRow key={f.id} index={i} count={fields.length} targets={targets} onMove={move} onRemove={remove} />
            ))}
            {schemaRootError && <p className="text-sm text-danger" role="alert">{schemaRootError}</p>}
            <div>
              <Button variant="outline" onClick={() => append(newField())}>
                <Plus className="h-4 w-4" /> Add field
              </Button>
            </div>
          </div>
        </Card>
        <Card>
          <CardHeader title="Indexes" description="Indexes always start with the account, so each tenant's lookups stay fast." />
          <div className="p-4">
            <IndexesEditor />
          </div>
        </Card>
        <div className="sticky bottom-0 z-10 -mx-3 flex flex-wrap justify-end gap-2 border-t border-border bg-bg/95 px-3 py-3 backdrop-blur sm:-mx-5 sm:px-5">
          <Button variant="outline" onClick={() => navigate('/collections')}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending || (update.isPending && preview === null)}>
            {collection ? 'Review changes' : 'Create collection'}
          </Button>
        </div>
      </form>
      {collection && <HistoryCard id={collection.id} />}
      <SchemaPreviewDialog
        key={previewKey}
        changes={preview}
        collection={collection?.name ?? ''}
        applying={update.isPending}
        onCancel={() => setPreview(null)}
        onApply={(c) => void apply(c)}
      />
    </FormProvider>
  );
}
