import { useEffect, useState } from 'react';
import { AlertTriangle, Copy } from 'lucide-react';
import { useCreateApiKey } from '@/api/apiKeys';
import { useCollectionNames } from '@/api/collections';
import { useRoles } from '@/api/roles';
import { ApiError, errorMessage } from '@/lib/api';
import { apiKeyBody, apiKeyField, type ApiKeyField, type ApiKeyForm } from '@/lib/api-keys';
import { SYSTEM_ACCOUNT, type AccountListItem, type ApiKey } from '@/lib/types';
import { copyText } from '@/lib/utils';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { FormError, FormField } from '@/components/ui/form-field';
import { Checkbox, Input, Select } from '@/components/ui/input';
import { useToast } from '@/components/ui/toast';

/** Stand-ins until the role list arrives. */
const BUILTIN = ['admin', 'user'];

interface Props {
  open: boolean;
  onClose: () => void;
  superadmin: boolean;
  /** The superadmin's accounts to choose from. */
  accounts: AccountListItem[];
  /** The account chosen in the page's filter, preselected for the superadmin. */
  defaultAccount: string;
}

/**
 * Creates a key, then shows its plaintext once. The plaintext lives only in
 * this dialog's state: closing the dialog forgets it.
 */
export function CreateApiKeyDialog({ open, onClose, superadmin, accounts, defaultAccount }: Props) {
  const create = useCreateApiKey();
  const roles = useRoles(open);
  const names = useCollectionNames(open);
  const toast = useToast();
  const [form, setForm] = useState<ApiKeyForm>({ name: '', role: 'admin', expires: '', account: '', scoped: false, collections: [] });
  const [errors, setErrors] = useState<Partial<Record<ApiKeyField, string>>>({});
  const [formError, setFormError] = useState('');
  const [created, setCreated] = useState<ApiKey | null>(null);
  const roleNames = roles.data?.items.map((r) => r.name).filter((n) => n !== 'public') ?? BUILTIN;
  /** Keys cannot act as the superadmin: the system account is not offered. */
  const choices = accounts.filter((a) => a.id !== SYSTEM_ACCOUNT);

  useEffect(() => {
    if (!open) {
      setCreated(null);
      return;
    }
    setForm({
      name: '',
      role: 'admin',
      expires: '',
      account: superadmin && defaultAccount !== SYSTEM_ACCOUNT ? defaultAccount : '',
      scoped: false,
      collections: [],
    });
    setErrors({});
    setFormError('');
    setCreated(null);
    // The filter may change while the dialog is open; only a fresh opening takes it.
  }, [open]);

  const set = (patch: Partial<ApiKeyForm>) => setForm((f) => ({ ...f, ...patch }));

  const close = () => {
    setCreated(null);
    onClose();
  };

  const submit = async () => {
    setErrors({});
    setFormError('');
    const checked = apiKeyBody(form, superadmin);
    if ('field' in checked) {
      setErrors({ [checked.field]: checked.message });
      return;
    }
    try {
      const key = await create.mutateAsync(checked.body);
      toast.success('API key created');
      setCreated(key);
    } catch (e) {
      const fields: Partial<Record<ApiKeyField, string>> = {};
      const rest: string[] = [];
      if (e instanceof ApiError) {
        for (const d of e.details) {
          const f = apiKeyField(d.field);
          if (f && !fields[f]) fields[f] = d.message;
          else if (!f) rest.push(d.message);
        }
      }
      setErrors(fields);
      const claimed = Object.keys(fields).length > 0;
      setFormError(!claimed ? errorMessage(e) : rest.join('; '));
    }
  };

  if (created) {
    return (
      <Dialog
        open={open}
        onClose={close}
        title="Copy your new API key"
        footer={<Button onClick={close}>Done</Button>}
      >
        <div className="flex flex-col gap-4" data-testid="api-key-created">
          <div role="alert" className="flex items-start gap-2 rounded-md border border-warn/40 bg-warn/10 px-3 py-2 text-sm">
            <AlertTriangle className="mt-0.5 h-4 w-4 shrink-0 text-warn" aria-hidden />
            <span>
              This is the only time the key is shown: it will not be shown again. Copy it now and keep it somewhere safe. If it is lost, revoke
              it and create another.
            </span>
          </div>
          <div className="flex min-w-0 flex-col gap-1.5">
            <span className="text-sm font-medium">{created.name}</span>
            <p className="break-all rounded-md border border-border bg-muted/40 p-3 font-mono text-xs" data-testid="api-key-plaintext">
              {created.key}
            </p>
          </div>
          <div className="flex flex-wrap items-center gap-2">
            <Button variant="outline" onClick={() => void copyText(created.key).then(() => toast.success('Key copied'))}>
              <Copy className="h-4 w-4" /> Copy key
            </Button>
            <span className="text-xs text-muted-fg">
              Send it in the <code className="font-mono">X-API-Key</code> header. It acts in its account with the role {created.role}
              {created.collections ? `, on the records of ${created.collections.join(', ')} only` : ''}.
            </span>
          </div>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog
      open={open}
      onClose={close}
      title="Create API key"
      description="A key lets a program call the API as its account, with the role you choose, on your behalf."
      footer={
        <>
          <Button variant="outline" onClick={close}>
            Cancel
          </Button>
          <Button type="submit" form="api-key-form" loading={create.isPending}>
            Create key
          </Button>
        </>
      }
    >
      <form
        id="api-key-form"
        className="flex flex-col gap-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <FormError message={formError} />
        <FormField label="Name" htmlFor="api-key-name" error={errors.name} hint="What uses it, e.g. “CI deploy”.">
          <Input
            id="api-key-name"
            value={form.name}
            onChange={(e) => set({ name: e.target.value })}
            maxLength={100}
            autoComplete="off"
            aria-invalid={!!errors.name}
          />
        </FormField>
        {superadmin && (
          <FormField label="Account" htmlFor="api-key-account" error={errors.account_id}>
            <Select id="api-key-account" value={form.account} onChange={(e) => set({ account: e.target.value })} aria-invalid={!!errors.account_id}>
              <option value="">Choose an account…</option>
              {form.account && !choices.some((a) => a.id === form.account) && <option value={form.account}>{form.account}</option>}
              {choices.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name} ({a.id})
                </option>
              ))}
            </Select>
          </FormField>
        )}
        <FormField label="Role" htmlFor="api-key-role" error={errors.role} hint="The key's permissions are those of this role.">
          <Select id="api-key-role" value={form.role} onChange={(e) => set({ role: e.target.value })} aria-invalid={!!errors.role}>
            {!roleNames.includes(form.role) && <option value={form.role}>{form.role}</option>}
            {roleNames.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </Select>
        </FormField>
        <FormField
          label="Collections"
          htmlFor="api-key-scope"
          error={errors.collections}
          hint="A key limited to some collections reaches only their records, and no admin routes."
        >
          <Select
            id="api-key-scope"
            value={form.scoped ? 'some' : 'all'}
            onChange={(e) => set({ scoped: e.target.value === 'some' })}
            aria-invalid={!!errors.collections}
          >
            <option value="all">All collections</option>
            <option value="some">Only the collections chosen below</option>
          </Select>
          {form.scoped && (
            <div
              className="mt-2 flex max-h-40 flex-col gap-1 overflow-y-auto rounded-md border border-border p-2"
              role="group"
              aria-label="Collections the key reaches"
              data-testid="api-key-collections"
            >
              {names.isPending ? (
                <span className="text-xs text-muted-fg">Loading collections…</span>
              ) : (names.data?.names ?? []).length === 0 ? (
                <span className="text-xs text-muted-fg">There are no collections yet.</span>
              ) : (
                (names.data?.names ?? []).map((n) => {
                  const chosen = form.collections ?? [];
                  return (
                    <label key={n} className="flex min-w-0 items-center gap-2 text-sm">
                      <Checkbox
                        checked={chosen.includes(n)}
                        onChange={(e) => set({ collections: e.target.checked ? [...chosen, n] : chosen.filter((c) => c !== n) })}
                      />
                      <span className="truncate">{n}</span>
                    </label>
                  );
                })
              )}
            </div>
          )}
        </FormField>
        <FormField label="Expires (optional)" htmlFor="api-key-expires" error={errors.expires_at} hint="Your local time. Empty: the key never expires.">
          <Input
            id="api-key-expires"
            type="datetime-local"
            value={form.expires}
            onChange={(e) => set({ expires: e.target.value })}
            aria-invalid={!!errors.expires_at}
          />
        </FormField>
      </form>
    </Dialog>
  );
}
