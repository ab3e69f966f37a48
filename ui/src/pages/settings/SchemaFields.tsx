import { controlKind, type ProviderForm, type ProviderSchema } from '@/lib/provider-form';
import { FormField } from '@/components/ui/form-field';
import { Checkbox, Input, Select } from '@/components/ui/input';

interface Props {
  schema: ProviderSchema;
  form: ProviderForm;
  errors: Record<string, string>;
  set: (k: string, v: string | boolean) => void;
}

/** One control per property of a provider's schema; ids are `provider-field-{name}`. */
export function SchemaFields({ schema, form, errors, set }: Props) {
  const required = new Set(schema.required ?? []);
  return (
    <>
      {Object.entries(schema.properties).map(([name, p]) => {
        const id = `provider-field-${name}`;
        const label = `${p.title ?? name}${required.has(name) ? '' : ' (optional)'}`;
        const kind = controlKind(p);
        if (kind === 'checkbox') {
          return (
            <label key={name} className="flex items-start gap-2 text-sm" htmlFor={id}>
              <Checkbox id={id} name={name} checked={form[name] === true} onChange={(e) => set(name, e.target.checked)} />
              <span>
                <span className="font-medium">{p.title ?? name}</span>
                {p.description && <span className="block text-xs text-muted-fg">{p.description}</span>}
              </span>
            </label>
          );
        }
        const value = String(form[name] ?? '');
        if (kind === 'select') {
          // Empty: the server's default (or none) applies.
          const blank = typeof p.default === 'string' ? `Default (${p.default})` : 'Not set';
          return (
            <FormField key={name} label={label} htmlFor={id} error={errors[name]} hint={p.description}>
              <Select id={id} name={name} value={value} onChange={(e) => set(name, e.target.value)} aria-invalid={!!errors[name]}>
                {!required.has(name) && <option value="">{blank}</option>}
                {required.has(name) && value === '' && <option value="">Choose…</option>}
                {(p.enum ?? []).map((word) => (
                  <option key={word} value={word}>
                    {word}
                  </option>
                ))}
              </Select>
            </FormField>
          );
        }
        const hint = kind === 'list' ? `${p.description ?? ''} (comma-separated)` : p.description;
        const placeholder = typeof p.default === 'string' || typeof p.default === 'number' ? String(p.default) : undefined;
        return (
          <FormField key={name} label={label} htmlFor={id} error={errors[name]} hint={hint}>
            <Input
              id={id}
              name={name}
              type={kind === 'number' ? 'number' : p.secret ? 'password' : p.format === 'uri' ? 'url' : p.format === 'email' ? 'email' : 'text'}
              {...(kind === 'number' ? { inputMode: 'numeric' as const, step: 1, min: p.minimum, max: p.maximum } : {})}
              autoComplete={p.secret ? 'new-password' : 'off'}
              value={value}
              placeholder={placeholder}
              onChange={(e) => set(name, e.target.value)}
              aria-invalid={!!errors[name]}
            />
          </FormField>
        );
      })}
    </>
  );
}
