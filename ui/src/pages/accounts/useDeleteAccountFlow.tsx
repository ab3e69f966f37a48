import { useDeleteAccount } from '@/api/accounts';
import { errorMessage } from '@/lib/api';
import { useConfirm } from '@/components/ui/confirm';
import { useToast } from '@/components/ui/toast';

/** Type-the-name confirmation, then delete; resolves to whether it happened. */
export function useDeleteAccountFlow() {
  const confirm = useConfirm();
  const toast = useToast();
  const del = useDeleteAccount();
  return async (account: { id: string; name: string; user_count?: number }): Promise<boolean> => {
    const ok = await confirm({
      title: `Delete ${account.name}?`,
      message: (
        <>
          This deletes account <strong>{account.id}</strong>
          {account.user_count !== undefined && ` with its ${account.user_count} users`}, and every record it owns. It cannot be undone.
        </>
      ),
      confirmLabel: 'Delete account',
      danger: true,
      typeToConfirm: account.name,
    });
    if (!ok) return false;
    try {
      await del.mutateAsync(account.id);
      toast.success(`Account ${account.name} deleted`);
      return true;
    } catch (e) {
      toast.error(errorMessage(e));
      return false;
    }
  };
}
