import { useEffect, useRef, useState } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import * as D from '@radix-ui/react-dialog';
import { Menu, Moon, Sun } from 'lucide-react';
import { isSuperadmin, logout, useSession } from '@/lib/auth';
import { useTheme } from '@/lib/theme';
import { Button } from '@/components/ui/button';
import { ImpersonationBanner } from './ImpersonationBanner';
import { Sidebar } from './Sidebar';
import { visibleNav } from './nav';

export function ThemeToggle() {
  const [theme, setTheme] = useTheme();
  const dark = theme === 'dark';
  return (
    <Button
      variant="ghost"
      size="icon"
      onClick={() => setTheme(dark ? 'light' : 'dark')}
      aria-label={dark ? 'Switch to light mode' : 'Switch to dark mode'}
      title={dark ? 'Light mode' : 'Dark mode'}
    >
      {dark ? <Sun className="h-4 w-4" /> : <Moon className="h-4 w-4" />}
    </Button>
  );
}

export function AdminLayout() {
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const qc = useQueryClient();
  const [drawer, setDrawer] = useState(false);

  useEffect(() => setDrawer(false), [location.pathname]);

  // When an impersonation ends (stopped, expired, refused), the own session is
  // back: drop what was cached as the user and return to the users page.
  const impersonating = !!session?.impersonation;
  const wasImpersonating = useRef(impersonating);
  useEffect(() => {
    if (wasImpersonating.current !== impersonating) {
      // Refetch what is shown with the new token; forget the rest.
      qc.removeQueries({ type: 'inactive' });
      void qc.resetQueries();
    }
    if (wasImpersonating.current && !impersonating && session) navigate('/users', { replace: true });
    wasImpersonating.current = impersonating;
  }, [impersonating]);

  if (!session) return null;
  const superadmin = isSuperadmin(session);
  const items = visibleNav(superadmin, session.user.role === 'admin');

  const doLogout = async () => {
    await logout();
    qc.clear();
    navigate('/login', { replace: true });
  };

  const sidebar = (
    <Sidebar
      items={items}
      session={session}
      superadmin={superadmin}
      onNavigate={() => setDrawer(false)}
      onLogout={() => void doLogout()}
    />
  );

  return (
    <div className="flex min-h-full">
      <aside className="sticky top-0 hidden h-dvh w-60 shrink-0 border-r border-border bg-card lg:block">{sidebar}</aside>
      <D.Root open={drawer} onOpenChange={setDrawer}>
        <D.Portal>
          <D.Overlay className="fixed inset-0 z-40 bg-black/50 lg:hidden" />
          <D.Content className="fixed inset-y-0 left-0 z-50 w-64 max-w-[85vw] border-r border-border bg-card lg:hidden">
            <D.Title className="sr-only">Navigation</D.Title>
            <D.Description className="sr-only">Pages of the admin console</D.Description>
            {sidebar}
          </D.Content>
        </D.Portal>
      </D.Root>
      <div className="flex min-w-0 flex-1 flex-col">
        <div className="sticky top-0 z-30">
          {session.impersonation && <ImpersonationBanner session={session} />}
          <header className="flex h-14 items-center gap-2 border-b border-border bg-card/95 px-3 backdrop-blur sm:px-5">
            <Button variant="ghost" size="icon" className="lg:hidden" onClick={() => setDrawer(true)} aria-label="Open menu">
              <Menu className="h-5 w-5" />
            </Button>
            <span className="font-semibold lg:hidden">SnackBase</span>
            <div className="ml-auto flex items-center gap-1">
              <span className="hidden text-xs text-muted-fg sm:inline" data-testid="header-account">
                {session.account.name} ({session.account.id})
              </span>
              <ThemeToggle />
            </div>
          </header>
        </div>
        <main className="min-w-0 flex-1 p-3 sm:p-5">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
