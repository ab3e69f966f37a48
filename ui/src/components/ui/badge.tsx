import type { ReactNode } from 'react';
import { cn } from '@/lib/utils';

export type BadgeTone = 'neutral' | 'success' | 'danger' | 'warn' | 'primary';

const tones: Record<BadgeTone, string> = {
  neutral: 'bg-muted text-muted-fg',
  success: 'bg-success/15 text-success',
  danger: 'bg-danger/15 text-danger',
  warn: 'bg-warn/15 text-warn',
  primary: 'bg-primary/15 text-primary',
};

export function Badge({ tone = 'neutral', children, className, title }: { tone?: BadgeTone; children: ReactNode; className?: string; title?: string }) {
  return (
    <span title={title} className={cn('inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap', tones[tone], className)}>
      {children}
    </span>
  );
}
