import { useEffect, useState } from 'react';
import { useLogSettings, useUpdateLogSettings } from '@/api/logs';
import { errorMessage } from '@/lib/api';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { FormError, FormField } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { ErrorState, Spinner } from '@/components/ui/states';
import { useToast } from '@/components/ui/toast';
import { checkRetention } from './log-format';

/** How long request logs are kept; a stored value wins over the server's default. */
export function RetentionDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const settings = useLogSettings();
  const update = useUpdateLogSettings();
  const toast = useToast();
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const [formError, setFormError] = useState('');

  useEffect(() => {
    if (!open || !settings.data) return;
    setValue(String(settings.data.retention_days));
    setError('');
    setFormError('');
  }, [open, settings.data]);

  const save = async (days: number | null) => {
    setFormError('');
    try {
      const next = await update.mutateAsync(days);
      toast.success(`Logs are kept for ${next.retention_days} ${next.retention_days === 1 ? 'day' : 'days'}`);
      onClose();
    } catch (e) {
      setFormError(errorMessage(e));
    }
  };

  const onSubmit = () => {
    const checked = checkRetention(value);
    if ('error' in checked) {
      setError(checked.error);
      return;
    }
    setError('');
    void save(checked.days);
  };

  const s = settings.data;
  return (
    <Dialog
      open={open}
      onClose={onClose}
      size="sm"
      title="Log retention"
      description="Entries older than this are deleted (at once, and then hourly)."
      footer={
        <>
          {s?.overridden && (
            <Button variant="ghost" onClick={() => void save(null)} loading={update.isPending}>
              Use default ({s.default_retention_days})
            </Button>
          )}
          <Button variant="outline" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" form="retention-form" loading={update.isPending}>
            Save
          </Button>
        </>
      }
    >
      {settings.isPending ? (
        <Spinner />
      ) : settings.isError ? (
        <ErrorState error={settings.error} />
      ) : (
        <form
          id="retention-form"
          noValidate
          className="flex flex-col gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            onSubmit();
          }}
        >
          <FormError message={formError} />
          <FormField
            label="Keep logs for (days)"
            htmlFor="retention-days"
            error={error}
            hint={`0 keeps none. The server's default is ${s?.default_retention_days ?? '?'} (SNACKBASE_REQUEST_LOGS_RETENTION_DAYS)${s?.overridden ? '; this setting replaces it' : ''}.`}
          >
            <Input
              id="retention-days"
              inputMode="numeric"
              value={value}
              aria-invalid={!!error}
              onChange={(e) => setValue(e.target.value)}
            />
          </FormField>
          {s && !s.enabled && <p className="text-sm text-warn">Request logging is turned off (SNACKBASE_REQUEST_LOGS_ENABLED=false).</p>}
        </form>
      )}
    </Dialog>
  );
}
