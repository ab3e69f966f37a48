import type { RealtimeStatus } from '@/lib/use-realtime';
import { cn } from '@/lib/utils';

const LOOK = {
  connecting: { label: 'Connecting…', dot: 'bg-muted-fg animate-pulse', text: 'text-muted-fg' },
  connected: { label: 'Live', dot: 'bg-success', text: 'text-success' },
  reconnecting: { label: 'Reconnecting…', dot: 'bg-warn animate-pulse', text: 'text-warn' },
  offline: { label: 'Offline', dot: 'bg-danger', text: 'text-danger' },
} as const;

const TITLES = {
  connecting: 'Connecting to realtime updates',
  connected: 'Connected: changes appear here as they happen',
  reconnecting: 'The realtime connection dropped; reconnecting',
  offline: 'Not receiving realtime updates',
} as const;

/** The records page's realtime connection state: a dot and a word. */
export function LiveIndicator({ status }: { status: RealtimeStatus }) {
  const look = LOOK[status.state];
  const title = status.detail ? `${TITLES[status.state]}: ${status.detail}` : TITLES[status.state];
  return (
    <span
      className={cn('inline-flex h-9 items-center gap-1.5 whitespace-nowrap px-1 text-xs font-medium', look.text)}
      role="status"
      aria-live="polite"
      aria-label={`Realtime: ${look.label}`}
      title={title}
      data-testid="realtime-status"
      data-state={status.state}
    >
      <span className={cn('h-2 w-2 rounded-full', look.dot)} aria-hidden />
      {look.label}
    </span>
  );
}
