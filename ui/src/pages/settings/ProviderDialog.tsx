import { useEffect, useState } from 'react';
import { CheckCircle2, XCircle } from 'lucide-react';
import {
  useConfigurationValues,
  useCreateConfiguration,
  useProviderSchema,
  useProviders,
  useTestConnection,
  useUpdateConfigurationValues,
  type Configuration,
  type TestResult,
} from '@/api/configuration';
import { ApiError, errorMessage } from '@/lib/api';
import { configField, formValues, initialForm, type ProviderForm } from '@/lib/provider-form';
import type { StorageChange } from '@/lib/storage-providers';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { FormError, FormField } from '@/components/ui/form-field';
import { Input, Select } from '@/components/ui/input';
import { Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import type { ProviderCopy } from './provider-copy';
import { SchemaFields } from './SchemaFields';

interface Props {
  copy: ProviderCopy;
  open: boolean;
  onClose: () => void;
  /** Editing this configuration; null: creating one. */
  editing: Configuration | null;
  /** Where a new configuration goes: an account id, or undefined for the caller's default (system / own account). */
  accountId?: string;
  /** Asked before saving (a confirmation); false cancels. */
  beforeSave?: (change: StorageChange) => Promise<boolean>;
}

/** Creates a configuration from the catalogue, or edits one's values (secrets stay masked). */
export function ProviderDialog({ copy, open, onClose, editing, accountId, beforeSave }: Props) {
  const { category } = copy;
  const providers = useProviders(category);
  const [provider, setProvider] = useState('');
  const chosen = editing?.provider_name ?? provider;
  const schema = useProviderSchema(category, open ? chosen : '');
  const values = useConfigurationValues(open && editing ? editing.id : null);
  const create = useCreateConfiguration();
  const update = useUpdateConfigurationValues();
  const test = useTestConnection(category);
  const toast = useToast();
  const [name, setName] = useState('');
  const [form, setForm] = useState<ProviderForm>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState('');
  const [tested, setTested] = useState<TestResult | null>(null);

  useEffect(() => {
    if (!open) return;
    setProvider('');
    setName(editing?.display_name ?? '');
    setErrors({});
    setFormError('');
    setTested(null);
  }, [open, editing]);

  // The form follows the schema (and the stored values when editing).
  useEffect(() => {
    if (!schema.data) return;
    if (editing && !values.data) return;
    setForm(initialForm(schema.data, editing ? values.data : undefined));
  }, [schema.data, values.data, editing]);

  const pick = (p: string) => {
    setProvider(p);
    setTested(null);
    const info = providers.data?.find((x) => x.provider_name === p);
    if (info && !name.trim()) setName(info.display_name);
  };

  // A category with a single provider (SMTP) needs no choice.
  const only = providers.data?.length === 1 ? providers.data[0].provider_name : '';
  useEffect(() => {
    if (open && !editing && only && !provider) pick(only);
    // pick reads the name typed so far; run when the catalogue or the dialog changes only.
  }, [open, editing, only, provider]);

  const showErrors = (e: unknown) => {
    const fields: Record<string, string> = {};
    const rest: string[] = [];
    if (e instanceof ApiError) {
      for (const d of e.details) {
        const f = configField(d.field) ?? (d.field === 'display_name' || d.field === 'provider_name' ? d.field : null);
        if (f && !fields[f]) fields[f] = d.message;
        else rest.push(d.message);
      }
    }
    setErrors(fields);
    setFormError(Object.keys(fields).length === 0 ? errorMessage(e) : rest.join('; '));
  };

  const submit = async () => {
    if (!schema.data) return;
    setErrors({});
    setFormError('');
    const change: StorageChange = editing ? { kind: 'edit', id: editing.id } : { kind: 'create', display_name: name.trim() };
    if (beforeSave && !(await beforeSave(change))) return;
    try {
      if (editing) {
        await update.mutateAsync({ id: editing.id, values: formValues(schema.data, form, true) });
        toast.success(copy.saved);
      } else {
        await create.mutateAsync({
          display_name: name.trim(),
          category,
          provider_name: chosen,
          config: formValues(schema.data, form, false),
          account_id: accountId,
        });
        toast.success(copy.added);
      }
      onClose();
    } catch (e) {
      showErrors(e);
    }
  };

  // A saved configuration's masked secrets are filled in by the server from the stored ones.
  const runTest = async () => {
    if (!schema.data) return;
    setTested(null);
    try {
      setTested(await test.mutateAsync({ provider_name: chosen, config: formValues(schema.data, form, false), id: editing?.id }));
    } catch (e) {
      setTested({ success: false, message: errorMessage(e) });
    }
  };

  const set = (k: string, v: string | boolean) => setForm((f) => ({ ...f, [k]: v }));

  return (
    <Dialog
      open={open}
      onClose={onClose}
      size="lg"
      title={editing ? `Edit ${editing.display_name}` : copy.dialogTitle}
      description={copy.dialogDescription}
      footer={
        <>
          <Button variant="outline" onClick={() => void runTest()} loading={test.isPending} disabled={!schema.data} data-testid="provider-test">
            Test connection
          </Button>
          <Button variant="outline" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" form="provider-form" loading={create.isPending || update.isPending} disabled={!schema.data}>
            {editing ? 'Save' : copy.addLabel}
          </Button>
        </>
      }
    >
      <form
        id="provider-form"
        className="flex flex-col gap-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <FormError message={formError} />
        {tested && (
          <div
            role="status"
            data-testid="provider-test-result"
            data-success={tested.success}
            className={`flex items-start gap-2 rounded-md border px-3 py-2 text-sm ${tested.success ? 'border-success/40 bg-success/10' : 'border-danger/40 bg-danger/10'}`}
          >
            {tested.success ? <CheckCircle2 className="mt-0.5 h-4 w-4 shrink-0 text-success" /> : <XCircle className="mt-0.5 h-4 w-4 shrink-0 text-danger" />}
            <span className="break-all">{tested.message}</span>
          </div>
        )}
        {!editing && (
          <FormField label="Provider" htmlFor="provider-kind" error={errors.provider_name}>
            <Select id="provider-kind" value={provider} onChange={(e) => pick(e.target.value)}>
              <option value="">Choose a provider…</option>
              {(providers.data ?? []).map((p) => (
                <option key={p.provider_name} value={p.provider_name}>
                  {p.display_name}
                </option>
              ))}
            </Select>
          </FormField>
        )}
        {chosen && (
          <FormField label="Display name" htmlFor="provider-display-name" error={errors.display_name} hint={copy.nameHint}>
            <Input id="provider-display-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} disabled={!!editing} />
          </FormField>
        )}
        {chosen && (schema.isPending || (editing && values.isPending)) && <Spinner />}
        {schema.data && (!editing || values.data) && <SchemaFields schema={schema.data} form={form} errors={errors} set={set} />}
      </form>
    </Dialog>
  );
}
