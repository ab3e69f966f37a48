import type { EmailVerification } from '@/lib/types';
import { formatDateTime } from '@/lib/utils';
import { Badge } from '@/components/ui/badge';

/** "Verified" (with the date in its tooltip) or "Unverified". */
export function VerifiedBadge({ user }: { user: Partial<EmailVerification> }) {
  return user.email_verified ? (
    <Badge tone="success" title={user.email_verified_at ? `Email verified ${formatDateTime(user.email_verified_at)}` : 'Email verified'}>
      Verified
    </Badge>
  ) : (
    <Badge tone="warn" title="The email address is not confirmed yet">
      Unverified
    </Badge>
  );
}
