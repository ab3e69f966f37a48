import type { ReactNode } from 'react';
import { AlertTriangle } from 'lucide-react';
import { errorMessage } from '@/lib/api';
import { Button } from './button';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="flex items-center justify-center gap-2 p-6 text-sm text-muted-fg" role="status">
      <span className="h-4 w-4 animate-spin rounded-full border-2 border-current border-r-transparent" />
      {label}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div className="flex flex-col items-center gap-3 p-6 text-center text-sm" role="alert" data-testid="error-state">
      <AlertTriangle className="h-6 w-6 text-danger" aria-hidden />
      <p className="text-danger">{errorMessage(error)}</p>
      {onRetry && (
        <Button variant="outline" size="sm" onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="flex flex-col items-center gap-2 p-8 text-center">
      <p className="text-sm font-medium">{title}</p>
      {children && <div className="text-sm text-muted-fg">{children}</div>}
    </div>
  );
}
