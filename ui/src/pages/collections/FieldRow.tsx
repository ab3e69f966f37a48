import { useFormContext, useWatch, type FieldErrors } from 'react-hook-form';
import { ArrowDown, ArrowUp, Trash2 } from 'lucide-react';
import { FIELD_KINDS, MASK_TYPES, ON_DELETE } from '@/lib/types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Checkbox, Input, Select } from '@/components/ui/input';
import { FormField } from '@/components/ui/form-field';
import { isTextual, type BuilderValues } from './builder-model';

interface FieldRowProps {
  index: number;
  count: number;
  targets: string[];
  onMove: (from: number, to: number) => void;
  onRemove: (index: number) => void;
}

type RowErrors = Record<string, { message?: string } | undefined>;

function rowErrors(errors: FieldErrors<BuilderValues>, i: number): RowErrors {
  const row = errors.schema?.[i];
  return (row ?? {}) as RowErrors;
}

const DEFAULT_HINT: Record<string, string> = {
  boolean: 'true or false',
  json: 'JSON, e.g. {"a": 1}',
  select: 'One of the values',
  datetime: 'e.g. 2026-01-31T12:00:00Z',
  number: 'A number',
};

export function FieldRow({ index: i, count, targets, onMove, onRemove }: FieldRowProps) {
  const { register, control, formState } = useFormContext<BuilderValues>();
  const f = useWatch({ control, name: `schema.${i}` });
  const e = rowErrors(formState.errors, i);
  const id = (k: string) => `schema-${i}-${k}`;
  const renamed = f.original && f.original !== f.name.trim();

  return (
    <div className="rounded-md border border-border bg-bg/40 p-3" data-testid={`field-row-${i}`}>
      <div className="flex flex-col gap-2 sm:flex-row sm:items-start sm:gap-3">
        <div className="grid min-w-0 flex-1 grid-cols-1 gap-3 sm:grid-cols-[minmax(0,1fr)_10rem]">
          <FormField label="Name" htmlFor={id('name')} error={e.name?.message} hint={renamed ? `Renamed from “${f.original}”` : undefined}>
            <Input id={id('name')} placeholder="field_name" aria-invalid={!!e.name} {...register(`schema.${i}.name`)} />
          </FormField>
          <FormField label="Type" htmlFor={id('type')} error={e.type?.message}>
            <Select id={id('type')} {...register(`schema.${i}.type`)}>
              {FIELD_KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </Select>
          </FormField>
        </div>
        <div className="order-first flex items-center justify-end gap-1 sm:order-last sm:pt-6">
          {f.original ? <Badge tone="neutral">existing</Badge> : <Badge tone="primary">new</Badge>}
          <Button variant="ghost" size="sm" disabled={i === 0} onClick={() => onMove(i, i - 1)} aria-label={`Move ${f.name || 'field'} up`}>
            <ArrowUp className="h-3.5 w-3.5" />
          </Button>
          <Button variant="ghost" size="sm" disabled={i === count - 1} onClick={() => onMove(i, i + 1)} aria-label={`Move ${f.name || 'field'} down`}>
            <ArrowDown className="h-3.5 w-3.5" />
          </Button>
          <Button variant="ghost" size="sm" onClick={() => onRemove(i)} aria-label={`Remove ${f.name || 'field'}`}>
            <Trash2 className="h-3.5 w-3.5 text-danger" />
          </Button>
        </div>
      </div>

      <div className="mt-3 flex flex-wrap gap-x-5 gap-y-2 text-sm">
        <label className="flex items-center gap-2">
          <Checkbox {...register(`schema.${i}.required`)} /> Required
        </label>
        <label className="flex items-center gap-2">
          <Checkbox {...register(`schema.${i}.unique`)} disabled={f.type === 'json' || f.type === 'file'} /> Unique
        </label>
        <label className="flex items-center gap-2">
          <Checkbox {...register(`schema.${i}.pii`)} /> PII
        </label>
        {isTextual(f.type) && (
          <label className="flex items-center gap-2" title="Matched by the search box of the records list">
            <Checkbox {...register(`schema.${i}.searchable`)} data-testid={`schema-${i}-searchable`} /> Searchable
          </label>
        )}
        {e.unique?.message && <span className="text-xs text-danger">{e.unique.message}</span>}
      </div>

      <div className="mt-3 grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
        {f.pii && (
          <FormField label="Mask" htmlFor={id('mask')} error={e.mask_type?.message} hint="How the value is masked for readers without PII access">
            <Select id={id('mask')} {...register(`schema.${i}.mask_type`)}>
              <option value="">none</option>
              {MASK_TYPES.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </Select>
          </FormField>
        )}
        {f.type === 'reference' && (
          <>
            <FormField label="Target collection" htmlFor={id('collection')} error={e.collection?.message}>
              <Select id={id('collection')} aria-invalid={!!e.collection} {...register(`schema.${i}.collection`)}>
                <option value="">Choose…</option>
                {targets.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </Select>
            </FormField>
            <FormField label="On delete" htmlFor={id('on_delete')} error={e.on_delete?.message}>
              <Select id={id('on_delete')} aria-invalid={!!e.on_delete} {...register(`schema.${i}.on_delete`)}>
                <option value="">Choose…</option>
                {ON_DELETE.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </Select>
            </FormField>
          </>
        )}
        {f.type === 'number' && (
          <>
            <FormField label="Min" htmlFor={id('min')} error={e.min?.message}>
              <Input id={id('min')} inputMode="decimal" {...register(`schema.${i}.min`)} />
            </FormField>
            <FormField label="Max" htmlFor={id('max')} error={e.max?.message}>
              <Input id={id('max')} inputMode="decimal" {...register(`schema.${i}.max`)} />
            </FormField>
            <label className="flex items-center gap-2 self-end pb-2 text-sm">
              <Checkbox {...register(`schema.${i}.integer`)} /> Integers only
            </label>
          </>
        )}
        {(f.type === 'text' || f.type === 'email' || f.type === 'url') && (
          <>
            <FormField label="Min length" htmlFor={id('min_length')} error={e.min_length?.message}>
              <Input id={id('min_length')} inputMode="numeric" {...register(`schema.${i}.min_length`)} />
            </FormField>
            <FormField label="Max length" htmlFor={id('max_length')} error={e.max_length?.message}>
              <Input id={id('max_length')} inputMode="numeric" {...register(`schema.${i}.max_length`)} />
            </FormField>
            <FormField label="Pattern" htmlFor={id('pattern')} error={e.pattern?.message} hint="A regular expression the whole value matches">
              <Input id={id('pattern')} className="font-mono text-xs" {...register(`schema.${i}.pattern`)} />
            </FormField>
          </>
        )}
        {f.type === 'select' && (
          <>
            <FormField label="Values" htmlFor={id('values')} error={e.values?.message} hint="Comma-separated" className="sm:col-span-2">
              <Input id={id('values')} placeholder="draft, live" aria-invalid={!!e.values} {...register(`schema.${i}.values`)} />
            </FormField>
            <label className="flex items-center gap-2 self-end pb-2 text-sm">
              <Checkbox {...register(`schema.${i}.multiple`)} /> Several values
            </label>
          </>
        )}
        {f.type === 'file' && (
          <>
            <FormField label="Max size (bytes)" htmlFor={id('max_size')} error={e.max_size?.message} hint="Empty: the server's limit">
              <Input id={id('max_size')} inputMode="numeric" placeholder="10485760" aria-invalid={!!e.max_size} {...register(`schema.${i}.max_size`)} />
            </FormField>
            <FormField label="Types" htmlFor={id('mime_types')} error={e.mime_types?.message} hint="Comma-separated; empty: the server's list">
              <Input id={id('mime_types')} placeholder="image/*, application/pdf" aria-invalid={!!e.mime_types} {...register(`schema.${i}.mime_types`)} />
            </FormField>
            <FormField label="Thumbnail sizes" htmlFor={id('thumbs')} error={e.thumbs?.message} hint="Besides 100x100, e.g. 300x0, 200x200f">
              <Input id={id('thumbs')} placeholder="300x300" aria-invalid={!!e.thumbs} {...register(`schema.${i}.thumbs`)} />
            </FormField>
            <div className="flex flex-col gap-2 self-end pb-2 text-sm">
              <label className="flex items-center gap-2">
                <Checkbox {...register(`schema.${i}.multiple`)} data-testid={`schema-${i}-multiple`} /> Several files
              </label>
              <label className="flex items-center gap-2" title="Downloads need a token">
                <Checkbox {...register(`schema.${i}.protected`)} /> Protected
              </label>
            </div>
          </>
        )}
        {f.type !== 'reference' && f.type !== 'file' && (
          <FormField label="Default" htmlFor={id('default')} error={e.default?.message} hint={DEFAULT_HINT[f.type]}>
            <Input id={id('default')} {...register(`schema.${i}.default`)} />
          </FormField>
        )}
      </div>
      {e.options?.message && (
        <p className="mt-2 text-xs text-danger" role="alert">
          {e.options.message}
        </p>
      )}
    </div>
  );
}
