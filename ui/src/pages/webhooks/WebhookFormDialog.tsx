import { useEffect, useState } from 'react';
import { Plus, Trash2 } from 'lucide-react';
import { useCollections } from '@/api/collections';
import { useCreateWebhook, useUpdateWebhook } from '@/api/webhooks';
import type { FieldErrorDetail, Webhook, WebhookEvent } from '@/lib/types';
import { headersToRows, rowsToHeaders, webhookErrors, type HeaderRow, type WebhookField } from '@/lib/webhooks';
import { ExpressionError } from '@/components/ExpressionError';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { FormError, FormField } from '@/components/ui/form-field';
import { Checkbox, Input, Select } from '@/components/ui/input';
import { useToast } from '@/components/ui/toast';

const EVENTS: WebhookEvent[] = ['create', 'update', 'delete'];

interface Props {
  open: boolean;
  onClose: () => void;
  /** The webhook to edit; null to create one. */
  webhook: Webhook | null;
  /** The superadmin's chosen account (null for account admins: their own). */
  accountId: string | null;
  onCreated: (w: Webhook) => void;
}

export function WebhookFormDialog({ open, onClose, webhook, accountId, onCreated }: Props) {
  const create = useCreateWebhook();
  const update = useUpdateWebhook();
  const collections = useCollections({ page: 1, page_size: 100, sort_by: 'name', sort_order: 'asc', search: '' }, open);
  const toast = useToast();
  const [url, setUrl] = useState('');
  const [collection, setCollection] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>([]);
  const [filter, setFilter] = useState('');
  const [enabled, setEnabled] = useState(true);
  const [rows, setRows] = useState<HeaderRow[]>([]);
  const [errors, setErrors] = useState<Partial<Record<WebhookField, FieldErrorDetail>>>({});
  const [sentFilter, setSentFilter] = useState('');
  const [formError, setFormError] = useState('');
  const names = collections.data?.items.map((c) => c.name) ?? [];

  useEffect(() => {
    if (!open) return;
    setUrl(webhook?.url ?? '');
    setCollection(webhook?.collection ?? '');
    setEvents(webhook?.events ?? ['create', 'update', 'delete']);
    setFilter(webhook?.filter ?? '');
    setEnabled(webhook?.enabled ?? true);
    setRows(headersToRows(webhook?.headers));
    setErrors({});
    setFormError('');
  }, [open, webhook]);

  useEffect(() => {
    if (open && !webhook && !collection && names.length) setCollection(names[0]);
  }, [open, webhook, collection, names]);

  const fieldError = (f: WebhookField, message: string) => setErrors({ [f]: { field: f, code: 'invalid', message } });

  const submit = async () => {
    setErrors({});
    setFormError('');
    if (!url.trim()) return fieldError('url', 'A URL is required');
    if (!collection) return fieldError('collection', 'Choose a collection');
    if (!events.length) return fieldError('events', 'Choose at least one event');
    const h = rowsToHeaders(rows);
    if ('error' in h) return fieldError('headers', h.error);
    const body = { url: url.trim(), collection, events, filter: filter.trim(), enabled, headers: h.headers };
    setSentFilter(body.filter);
    try {
      if (webhook) {
        await update.mutateAsync({ id: webhook.id, ...body });
        toast.success('Webhook saved');
        onClose();
      } else {
        const created = await create.mutateAsync({ ...body, account_id: accountId ?? undefined });
        toast.success('Webhook created');
        onCreated(created);
      }
    } catch (e) {
      const r = webhookErrors(e);
      setErrors(r.fields);
      setFormError(r.form);
    }
  };

  const setRow = (i: number, patch: Partial<HeaderRow>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={webhook ? 'Edit webhook' : 'New webhook'}
      size="lg"
      footer={
        <>
          <Button variant="outline" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" form="webhook-form" loading={create.isPending || update.isPending}>
            {webhook ? 'Save' : 'Create webhook'}
          </Button>
        </>
      }
    >
      <form
        id="webhook-form"
        className="flex flex-col gap-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <FormError message={formError} />
        <FormField label="URL" htmlFor="webhook-url" error={errors.url?.message}>
          <Input
            id="webhook-url"
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://example.com/snackbase"
            autoComplete="off"
            aria-invalid={!!errors.url}
          />
        </FormField>
        <FormField label="Collection" htmlFor="webhook-collection" error={errors.collection?.message}>
          <Select id="webhook-collection" value={collection} onChange={(e) => setCollection(e.target.value)} aria-invalid={!!errors.collection}>
            {!names.length && <option value="">{collections.isPending ? 'Loading…' : 'No collections'}</option>}
            {collection && !names.includes(collection) && names.length > 0 && <option value={collection}>{collection}</option>}
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </Select>
        </FormField>
        <fieldset className="flex flex-col gap-1.5">
          <legend className="mb-1 text-sm font-medium">Events</legend>
          <div className="flex flex-wrap gap-4">
            {EVENTS.map((ev) => (
              <label key={ev} className="flex items-center gap-2 text-sm">
                <Checkbox
                  checked={events.includes(ev)}
                  onChange={(e) => setEvents((cur) => (e.target.checked ? EVENTS.filter((x) => x === ev || cur.includes(x)) : cur.filter((x) => x !== ev)))}
                />
                {ev}
              </label>
            ))}
          </div>
          {errors.events && (
            <p className="text-xs text-danger" role="alert" id="webhook-events-error">
              {errors.events.message}
            </p>
          )}
        </fieldset>
        <div className="flex min-w-0 flex-col gap-1.5">
          <label htmlFor="webhook-filter" className="text-sm font-medium text-fg">
            Filter
          </label>
          <Input
            id="webhook-filter"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="e.g. total > 100 (empty: every record)"
            className="font-mono text-xs"
            spellCheck={false}
            autoComplete="off"
            aria-invalid={!!errors.filter}
          />
          {errors.filter ? (
            <ExpressionError expression={sentFilter} message={errors.filter.message} position={errors.filter.position} testId="webhook-filter-error" />
          ) : (
            <p className="text-xs text-muted-fg">The rule language over the record's fields; only matching changes are sent.</p>
          )}
        </div>
        <fieldset className="flex min-w-0 flex-col gap-2" data-testid="webhook-headers">
          <legend className="mb-1 text-sm font-medium">Headers</legend>
          {rows.map((r, i) => (
            <div key={i} className="flex min-w-0 gap-2">
              <Input value={r.name} onChange={(e) => setRow(i, { name: e.target.value })} placeholder="Name" aria-label={`Header ${i + 1} name`} className="min-w-0 flex-1" />
              <Input value={r.value} onChange={(e) => setRow(i, { value: e.target.value })} placeholder="Value" aria-label={`Header ${i + 1} value`} className="min-w-0 flex-1" />
              <Button
                variant="ghost"
                size="icon"
                aria-label={`Remove header ${i + 1}`}
                onClick={() => setRows((rs) => (rs.length > 1 ? rs.filter((_, j) => j !== i) : [{ name: '', value: '' }]))}
              >
                <Trash2 className="h-4 w-4" />
              </Button>
            </div>
          ))}
          <div>
            <Button variant="outline" size="sm" onClick={() => setRows((rs) => [...rs, { name: '', value: '' }])}>
              <Plus className="h-3.5 w-3.5" /> Add header
            </Button>
          </div>
          {errors.headers && (
            <p className="text-xs text-danger" role="alert" id="webhook-headers-error">
              {errors.headers.message}
            </p>
          )}
        </fieldset>
        <label className="flex items-center gap-2 text-sm">
          <Checkbox checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          Enabled
        </label>
      </form>
    </Dialog>
  );
}
