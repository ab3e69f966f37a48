import { Link, useLocation } from 'react-router';
import { LogOut, ShieldCheck } from 'lucide-react';
import { cn } from '@/lib/utils';
import type { Session } from '@/lib/session';
import { Badge } from '@/components/ui/badge';
import type { NavItem } from './nav';

interface SidebarProps {
  items: NavItem[];
  session: Session;
  superadmin: boolean;
  onNavigate?: () => void;
  onLogout: () => void;
}

const RECORDS_PAGE = /^\/collections\/[^/]+\/(records|api)$/;

/** Records pages live under /collections/{name}/; they belong to the Records entry. */
function isActive(to: string, pathname: string): boolean {
  if (to === '/records') return pathname.startsWith('/records') || RECORDS_PAGE.test(pathname);
  if (to === '/collections') return pathname.startsWith('/collections') && !RECORDS_PAGE.test(pathname);
  return pathname === to || pathname.startsWith(`${to}/`);
}

export function Sidebar({ items, session, superadmin, onNavigate, onLogout }: SidebarProps) {
  const { pathname } = useLocation();
  return (
    <div className="flex h-full flex-col">
      <div className="flex h-14 items-center gap-2 border-b border-border px-4">
        <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" className="h-7 w-7" />
        <span className="font-semibold">SnackBase</span>
        <Badge tone="primary" className="ml-auto">
          admin
        </Badge>
      </div>
      <nav className="flex-1 overflow-y-auto p-2" aria-label="Main">
        <ul className="flex flex-col gap-0.5">
          {items.map((item) => (
            <li key={item.to}>
              <Link
                to={item.to}
                onClick={onNavigate}
                aria-current={isActive(item.to, pathname) ? 'page' : undefined}
                className={cn(
                  'flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium',
                  isActive(item.to, pathname) ? 'bg-accent text-primary' : 'text-muted-fg hover:bg-muted hover:text-fg',
                )}
              >
                <item.icon className="h-4 w-4" aria-hidden />
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="border-t border-border p-3">
        <div className="mb-2 min-w-0 text-xs">
          <div className="truncate font-medium" data-testid="current-user">
            {session.user.email}
          </div>
          <div className="truncate text-muted-fg">
            {superadmin ? 'Superadmin' : `${session.user.role} · ${session.account.name}`}
          </div>
        </div>
        <Link
          to="/security"
          onClick={onNavigate}
          className="flex w-full items-center gap-2 rounded-md px-3 py-2 text-sm text-muted-fg hover:bg-muted hover:text-fg"
        >
          <ShieldCheck className="h-4 w-4" aria-hidden />
          Security
        </Link>
        <button
          type="button"
          onClick={onLogout}
          className="flex w-full cursor-pointer items-center gap-2 rounded-md px-3 py-2 text-sm text-muted-fg hover:bg-muted hover:text-fg"
        >
          <LogOut className="h-4 w-4" aria-hidden />
          Log out
        </button>
      </div>
    </div>
  );
}
