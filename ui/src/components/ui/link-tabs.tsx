import { NavLink } from 'react-router';
import { cn } from '@/lib/utils';

export interface LinkTab {
  to: string;
  label: string;
  /** Active only on this exact path (default: also below it). */
  end?: boolean;
}

/** Sibling pages as tabs: links (each page has its own URL), the current one marked. */
export function LinkTabs({ tabs, label }: { tabs: LinkTab[]; label: string }) {
  return (
    <nav aria-label={label} className="flex gap-1 overflow-x-auto border-b border-border">
      {tabs.map((t) => (
        <NavLink
          key={t.to}
          to={t.to}
          end={t.end}
          className={({ isActive }) =>
            cn(
              '-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium',
              isActive ? 'border-primary text-fg' : 'border-transparent text-muted-fg hover:text-fg',
            )
          }
        >
          {t.label}
        </NavLink>
      ))}
    </nav>
  );
}
