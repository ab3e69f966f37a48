import { useEffect, type ReactNode } from 'react';
import { ThemeToggle } from '@/components/layout/AdminLayout';
import { Card } from '@/components/ui/card';

export function AuthShell({ title, subtitle, children }: { title: string; subtitle?: ReactNode; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · SnackBase`;
  }, [title]);
  return (
    <div className="flex min-h-full flex-col items-center justify-center px-4 py-10">
      <div className="fixed right-3 top-3">
        <ThemeToggle />
      </div>
      <div className="mb-6 flex items-center gap-2">
        <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" className="h-9 w-9" />
        <span className="text-lg font-semibold">SnackBase</span>
      </div>
      <Card className="w-full max-w-sm p-6">
        <h1 className="text-lg font-semibold">{title}</h1>
        {subtitle && <p className="mt-1 text-sm text-muted-fg">{subtitle}</p>}
        <div className="mt-5">{children}</div>
      </Card>
    </div>
  );
}
