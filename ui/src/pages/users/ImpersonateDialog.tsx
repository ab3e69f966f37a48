import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { errorMessage } from '@/lib/api';
import { impersonate, IMPERSONATION_DURATIONS } from '@/lib/auth';
import type { User } from '@/lib/types';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Label, Select } from '@/components/ui/input';
import { useToast } from '@/components/ui/toast';

/** An administrator (the superadmin, or an account admin the server allows) confirms acting as a user, for 5, 15 or 60 minutes. */
export function ImpersonateDialog({ user, onClose }: { user: User | null; onClose: () => void }) {
  const [duration, setDuration] = useState(900);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const toast = useToast();

  useEffect(() => {
    if (user) setDuration(900);
  }, [user?.id]);

  const start = async () => {
    if (!user) return;
    setBusy(true);
    try {
      await impersonate(user.id, duration);
      onClose();
      navigate('/', { replace: true });
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={user !== null}
      onClose={onClose}
      title={`Impersonate ${user?.email ?? ''}?`}
      size="sm"
      footer={
        <>
          <Button variant="outline" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => void start()} disabled={busy} data-testid="impersonate-start">
            Impersonate
          </Button>
        </>
      }
    >
      <div className="flex flex-col gap-3 text-sm">
        <p>
          The console switches to {user?.email ?? 'this user'}
          {user?.account_name ? ` (account ${user.account_name})` : ''}: you see and do what they can, and every request
          is logged with you as the impersonator. Your own session is kept and comes back when you stop.
        </p>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="impersonate-duration">Duration</Label>
          <Select id="impersonate-duration" value={String(duration)} onChange={(e) => setDuration(Number(e.target.value))}>
            {IMPERSONATION_DURATIONS.map((s) => (
              <option key={s} value={String(s)}>
                {s / 60} minutes
              </option>
            ))}
          </Select>
        </div>
      </div>
    </Dialog>
  );
}
