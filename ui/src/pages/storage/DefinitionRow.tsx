import type { ReactNode } from 'react';

/** One label and value of a card's definition list; stacked on phones. */
export function DefinitionRow({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="grid grid-cols-1 gap-0.5 px-4 py-2 sm:grid-cols-[10rem_minmax(0,1fr)] sm:gap-3">
      <dt className="text-xs font-medium text-muted-fg sm:pt-0.5">{label}</dt>
      <dd className="min-w-0 break-words text-sm" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

export function None({ children = '—' }: { children?: ReactNode }) {
  return <span className="text-muted-fg">{children}</span>;
}
