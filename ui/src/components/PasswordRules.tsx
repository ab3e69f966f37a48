import { Check, X } from 'lucide-react';
import { passwordViolations, type PolicyViolation } from '@/lib/password';
import { cn } from '@/lib/utils';

const LABELS: [PolicyViolation['code'], string][] = [
  ['password_too_short', '12 characters or more'],
  ['password_no_uppercase', 'an uppercase letter'],
  ['password_no_lowercase', 'a lowercase letter'],
  ['password_no_digit', 'a digit'],
  ['password_no_special', 'a special character'],
];

/** The policy as a checklist that fills in while typing. */
export function PasswordRules({ password }: { password: string }) {
  const broken = new Set(passwordViolations(password).map((v) => v.code));
  return (
    <ul className="grid grid-cols-1 gap-x-3 gap-y-0.5 text-xs sm:grid-cols-2" aria-label="Password rules">
      {LABELS.map(([code, label]) => {
        const ok = password.length > 0 && !broken.has(code);
        return (
          <li key={code} className={cn('flex items-center gap-1', ok ? 'text-success' : 'text-muted-fg')}>
            {ok ? <Check className="h-3 w-3" aria-hidden /> : <X className="h-3 w-3" aria-hidden />}
            {label}
          </li>
        );
      })}
    </ul>
  );
}
