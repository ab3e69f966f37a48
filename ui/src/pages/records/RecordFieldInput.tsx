import type { ReactNode } from 'react';
import { Controller, useFormContext } from 'react-hook-form';
import type { RecordFormValues } from '@/lib/record-form';
import type { Field } from '@/lib/types';
import { Badge } from '@/components/ui/badge';
import { Checkbox, Input, Select, Textarea } from '@/components/ui/input';
import { FormField } from '@/components/ui/form-field';
import { isFileValue, toFileValue } from '@/lib/record-files';
import { FileInput } from './FileInput';
import { RelationPicker } from './RelationPicker';

interface Props {
  field: Field;
  accountId: string | null;
  /** The record being edited (file previews). */
  recordId?: string;
}

function hint(f: Field): string | undefined {
  const o = f.options;
  if (f.type === 'number') {
    const parts = [o?.integer ? 'whole number' : null, o?.min != null ? `≥ ${o.min}` : null, o?.max != null ? `≤ ${o.max}` : null];
    return parts.filter(Boolean).join(', ') || undefined;
  }
  if (f.type === 'text' && (o?.max_length != null || o?.pattern)) {
    return [o?.max_length != null ? `up to ${o.max_length} characters` : null, o?.pattern ? `matches ${o.pattern}` : null].filter(Boolean).join(', ');
  }
  if (f.type === 'json') return 'Any JSON value';
  if (f.type === 'datetime') return 'Your local time; stored in UTC';
  if (f.type === 'file') {
    return [o?.multiple ? 'several files' : null, o?.max_size != null ? `up to ${o.max_size.toLocaleString()} bytes each` : null, o?.mime_types?.length ? o.mime_types.join(', ') : null]
      .filter(Boolean)
      .join(', ') || undefined;
  }
  return undefined;
}

/** The input for one field, chosen by its type. */
export function RecordFieldInput({ field: f, accountId, recordId }: Props) {
  const { register, control, formState } = useFormContext<RecordFormValues>();
  const id = `record-${f.name}`;
  const error = formState.errors.data?.[f.name]?.message;
  const name = `data.${f.name}` as const;
  const label = (
    <span className="flex flex-wrap items-center gap-1.5">
      <span className="font-mono">{f.name}</span>
      <span className="text-xs font-normal text-muted-fg">{f.type}</span>
      {f.required && <Badge tone="warn">required</Badge>}
      {f.pii && <Badge tone="neutral">PII</Badge>}
    </span>
  );

  let control_: ReactNode;
  switch (f.type) {
    case 'boolean':
      control_ = (
        <Select id={id} aria-invalid={!!error} {...register(name)}>
          <option value="">—</option>
          <option value="true">Yes</option>
          <option value="false">No</option>
        </Select>
      );
      break;
    case 'number':
      control_ = <Input id={id} type="number" step={f.options?.integer ? 1 : 'any'} aria-invalid={!!error} {...register(name)} />;
      break;
    case 'email':
      control_ = <Input id={id} type="email" aria-invalid={!!error} {...register(name)} />;
      break;
    case 'url':
      control_ = <Input id={id} type="url" placeholder="https://" aria-invalid={!!error} {...register(name)} />;
      break;
    case 'datetime':
      control_ = <Input id={id} type="datetime-local" step={1} aria-invalid={!!error} {...register(name)} />;
      break;
    case 'json':
      control_ = <Textarea id={id} rows={4} spellCheck={false} aria-invalid={!!error} {...register(name)} />;
      break;
    case 'select':
      control_ = f.options?.multiple ? (
        <Controller
          control={control}
          name={name}
          render={({ field }) => {
            const chosen = Array.isArray(field.value) ? field.value : [];
            return (
              <div className="flex flex-wrap gap-x-4 gap-y-1" role="group" aria-labelledby={`${id}-label`}>
                {(f.options?.values ?? []).map((v) => (
                  <label key={v} className="flex items-center gap-1.5 text-sm">
                    <Checkbox
                      checked={chosen.includes(v)}
                      onChange={(e) => field.onChange(e.target.checked ? [...chosen, v] : chosen.filter((x) => x !== v))}
                    />
                    {v}
                  </label>
                ))}
              </div>
            );
          }}
        />
      ) : (
        <Select id={id} aria-invalid={!!error} {...register(name)}>
          <option value="">—</option>
          {(f.options?.values ?? []).map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </Select>
      );
      break;
    case 'reference':
      control_ = (
        <Controller
          control={control}
          name={name}
          render={({ field }) => (
            <RelationPicker
              id={id}
              target={f.collection ?? ''}
              accountId={accountId}
              value={typeof field.value === 'string' ? field.value : ''}
              onChange={field.onChange}
              invalid={!!error}
            />
          )}
        />
      );
      break;
    case 'file':
      control_ = (
        <Controller
          control={control}
          name={name}
          render={({ field }) => (
            <FileInput
              id={id}
              field={f}
              value={isFileValue(field.value) ? field.value : toFileValue(null)}
              onChange={field.onChange}
              recordId={recordId}
              invalid={!!error}
            />
          )}
        />
      );
      break;
    default:
      control_ = <Input id={id} aria-invalid={!!error} {...register(name)} />;
  }

  return (
    <FormField label={label} htmlFor={id} error={error} hint={hint(f)}>
      {control_}
    </FormField>
  );
}
