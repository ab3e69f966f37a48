import { useFieldArray, useFormContext, useWatch } from 'react-hook-form';
import { Plus, Trash2 } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Checkbox } from '@/components/ui/input';
import { cn } from '@/lib/utils';
import type { BuilderValues } from './builder-model';

const EXTRA = ['created_at', 'updated_at'];

export function IndexesEditor() {
  const { control, register, setValue, formState } = useFormContext<BuilderValues>();
  const { fields, append, remove } = useFieldArray({ control, name: 'indexes' });
  const schema = useWatch({ control, name: 'schema' });
  const indexes = useWatch({ control, name: 'indexes' });
  const names = [...schema.map((f) => f.name.trim()).filter(Boolean), ...EXTRA];

  const toggle = (i: number, name: string) => {
    const current = indexes[i]?.fields ?? [];
    const next = current.includes(name) ? current.filter((n) => n !== name) : [...current, name];
    setValue(`indexes.${i}.fields`, next, { shouldDirty: true, shouldValidate: formState.isSubmitted });
  };

  return (
    <div className="flex flex-col gap-3">
      {fields.length === 0 && <p className="text-sm text-muted-fg">No indexes. Add one for fields you sort or filter by often.</p>}
      {fields.map((row, i) => {
        const chosen = indexes[i]?.fields ?? [];
        const err = formState.errors.indexes?.[i]?.fields?.message;
        return (
          <div key={row.id} className="rounded-md border border-border p-3">
            <div className="flex flex-wrap items-center justify-between gap-2">
              <span className="text-sm font-medium">
                Index {i + 1}
                {chosen.length > 0 && <span className="ml-2 font-mono text-xs text-muted-fg">({chosen.join(', ')})</span>}
              </span>
              <div className="flex items-center gap-3">
                <label className="flex items-center gap-2 text-sm">
                  <Checkbox {...register(`indexes.${i}.unique`)} /> Unique
                </label>
                <Button variant="ghost" size="sm" onClick={() => remove(i)} aria-label={`Remove index ${i + 1}`}>
                  <Trash2 className="h-3.5 w-3.5 text-danger" />
                </Button>
              </div>
            </div>
            <div className="mt-2 flex flex-wrap gap-1.5" role="group" aria-label={`Fields of index ${i + 1}`}>
              {names.map((n) => (
                <button
                  key={n}
                  type="button"
                  onClick={() => toggle(i, n)}
                  aria-pressed={chosen.includes(n)}
                  className={cn(
                    'cursor-pointer rounded-full border px-2.5 py-0.5 font-mono text-xs',
                    chosen.includes(n) ? 'border-primary bg-primary/15 text-primary' : 'border-border text-muted-fg hover:bg-muted',
                  )}
                >
                  {n}
                </button>
              ))}
            </div>
            {err && <p className="mt-1 text-xs text-danger">{err}</p>}
          </div>
        );
      })}
      <div>
        <Button variant="outline" size="sm" onClick={() => append({ fields: [], unique: false })}>
          <Plus className="h-3.5 w-3.5" /> Add index
        </Button>
      </div>
    </div>
  );
}
