import { LinkTabs } from '@/components/ui/link-tabs';

/** The email section: the templates and the log of what was sent. */
export function EmailTabs() {
  return (
    <LinkTabs
      label="Email"
      tabs={[
        { to: '/email-templates', label: 'Templates' },
        { to: '/email-logs', label: 'Email log' },
      ]}
    />
  );
}
