import { Building2 } from 'lucide-react';
import type { AccountListItem } from '@/lib/types';
import { Select } from '@/components/ui/input';

interface Props {
  accounts: AccountListItem[];
  value: string | null;
  onChange: (id: string) => void;
}

/** The superadmin's choice of account whose records to work on. */
export function AccountPicker({ accounts, value, onChange }: Props) {
  return (
    <label className="flex min-w-0 items-center gap-2 text-sm">
      <Building2 className="h-4 w-4 shrink-0 text-muted-fg" aria-hidden />
      <span className="sr-only">Account</span>
      <Select value={value ?? ''} onChange={(e) => onChange(e.target.value)} className="h-9 min-w-0 sm:w-64" aria-label="Account" data-testid="account-picker">
        {value && !accounts.some((a) => a.id === value) && <option value={value}>{value}</option>}
        {accounts.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name} ({a.id})
          </option>
        ))}
      </Select>
    </label>
  );
}
