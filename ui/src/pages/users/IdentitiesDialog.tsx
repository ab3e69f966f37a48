import { useUnlinkIdentity, useUserIdentities } from '@/api/users';
import { errorMessage } from '@/lib/api';
import type { User } from '@/lib/types';
import { formatDateTime } from '@/lib/utils';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { useToast } from '@/components/ui/toast';

/** A user's linked identity-provider logins; each can be unlinked (its next login is a first login again). */
export function IdentitiesDialog({ user, onClose }: { user: User | null; onClose: () => void }) {
  const identities = useUserIdentities(user?.id);
  const unlink = useUnlinkIdentity(user?.id ?? '');
  const toast = useToast();
  const items = identities.data?.items ?? [];

  const onUnlink = async (id: string, provider: string) => {
    try {
      await unlink.mutateAsync(id);
      toast.success(`Unlinked the ${provider} login`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  return (
    <Dialog
      open={user !== null}
      onClose={onClose}
      title={`Linked logins of ${user?.email ?? ''}`}
      footer={
        <Button variant="outline" onClick={onClose}>
          Close
        </Button>
      }
    >
      {identities.isLoading ? (
        <p className="text-sm text-muted-fg">Loading…</p>
      ) : identities.isError ? (
        <p role="alert" className="text-sm text-danger">
          {errorMessage(identities.error)}
        </p>
      ) : items.length === 0 ? (
        <p className="text-sm text-muted-fg" data-testid="identities-empty">
          No identity-provider logins are linked to this user.
        </p>
      ) : (
        <ul className="flex flex-col gap-2" data-testid="identities-list">
          {items.map((i) => (
            <li key={i.id} className="flex items-start justify-between gap-3 rounded-md border border-border p-3 text-sm" data-provider={i.provider_name}>
              <div className="min-w-0">
                <p className="font-medium">{i.provider_name}</p>
                <p className="break-all text-muted-fg">{i.email ?? i.subject}</p>
                <p className="break-all text-xs text-muted-fg">
                  {i.issuer} · subject {i.subject} · last sign-in {formatDateTime(i.last_login_at)}
                </p>
              </div>
              <Button variant="outline" size="sm" onClick={() => void onUnlink(i.id, i.provider_name)} disabled={unlink.isPending}>
                Unlink
              </Button>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}
