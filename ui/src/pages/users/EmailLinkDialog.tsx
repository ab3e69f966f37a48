import { Copy } from 'lucide-react';
import { copyText } from '@/lib/utils';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { useToast } from '@/components/ui/toast';

/** A link the server made but could not mail (no SMTP server is configured). */
export interface EmailLink {
  /** "Verification link", "Password reset link". */
  title: string;
  email: string;
  url: string;
}

export function EmailLinkDialog({ link, onClose }: { link: EmailLink | null; onClose: () => void }) {
  const toast = useToast();
  return (
    <Dialog
      open={link !== null}
      onClose={onClose}
      title={link ? `${link.title} for ${link.email}` : ''}
      description="No email server is configured, so nothing was sent: give this link to the person yourself. It works once."
      footer={
        <>
          <Button variant="outline" onClick={onClose}>
            Close
          </Button>
          <Button onClick={() => void copyText(link?.url ?? '').then(() => toast.success('Link copied'))}>
            <Copy className="h-4 w-4" /> Copy link
          </Button>
        </>
      }
    >
      <p className="break-all rounded-md border border-border bg-muted/40 p-3 font-mono text-xs" data-testid="email-link-url">
        {link?.url}
      </p>
    </Dialog>
  );
}
