import type { ReactNode } from 'react';
import * as M from '@radix-ui/react-dropdown-menu';
import { cn } from '@/lib/utils';

export const DropdownMenu = M.Root;
export const DropdownTrigger = M.Trigger;

export function DropdownContent({ children, align = 'end' }: { children: ReactNode; align?: 'start' | 'end' }) {
  return (
    <M.Portal>
      <M.Content
        align={align}
        sideOffset={4}
        className="z-50 min-w-44 rounded-md border border-border bg-card p-1 text-sm text-fg shadow-lg"
      >
        {children}
      </M.Content>
    </M.Portal>
  );
}

interface ItemProps {
  children: ReactNode;
  onSelect?: () => void;
  danger?: boolean;
  disabled?: boolean;
}

export function DropdownItem({ children, onSelect, danger, disabled }: ItemProps) {
  return (
    <M.Item
      disabled={disabled}
      onSelect={onSelect}
      className={cn(
        'flex cursor-pointer select-none items-center gap-2 rounded px-2 py-1.5 outline-none',
        'data-[highlighted]:bg-muted data-[disabled]:opacity-50',
        danger && 'text-danger',
      )}
    >
      {children}
    </M.Item>
  );
}

interface CheckItemProps {
  children: ReactNode;
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
}

export function DropdownCheckItem({ children, checked, onCheckedChange }: CheckItemProps) {
  return (
    <M.CheckboxItem
      checked={checked}
      onCheckedChange={onCheckedChange}
      onSelect={(e) => e.preventDefault()}
      className="flex cursor-pointer select-none items-center gap-2 rounded px-2 py-1.5 outline-none data-[highlighted]:bg-muted"
    >
      <span className="flex h-4 w-4 items-center justify-center rounded border border-input text-[10px]">
        {checked ? '✓' : ''}
      </span>
      {children}
    </M.CheckboxItem>
  );
}

export function DropdownLabel({ children }: { children: ReactNode }) {
  return <M.Label className="px-2 py-1 text-xs font-semibold text-muted-fg">{children}</M.Label>;
}

export function DropdownSeparator() {
  return <M.Separator className="my-1 h-px bg-border" />;
}
