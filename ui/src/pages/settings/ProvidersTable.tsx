import type { ReactNode } from 'react';
import { Pencil, Power, Star, Trash2 } from 'lucide-react';
import type { Configuration } from '@/api/configuration';
import { formatDateTime } from '@/lib/utils';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Table, TableContainer, Td, Th } from '@/components/ui/table';

interface Props {
  items: Configuration[];
  onEdit: (c: Configuration) => void;
  onToggle: (c: Configuration) => void;
  onDelete: (c: Configuration) => void;
  /** Offers "Make default" / "Unset default" when given. */
  onDefault?: (c: Configuration) => void;
  /** Extra badges after a row's name (the storage in use). */
  badges?: (c: Configuration) => ReactNode;
}

/** The configurations of one category and scope, with their actions. */
export function ProvidersTable({ items, onEdit, onToggle, onDelete, onDefault, badges }: Props) {
  return (
    <TableContainer>
      <Table data-testid="providers-table">
        <thead>
          <tr>
            <Th>Name</Th>
            <Th>Provider</Th>
            <Th>Status</Th>
            {onDefault && <Th>Priority</Th>}
            <Th>Updated</Th>
            <Th className="text-right">Actions</Th>
          </tr>
        </thead>
        <tbody>
          {items.map((c) => (
            <tr
              key={c.id}
              data-id={c.id}
              data-name={c.display_name}
              data-enabled={c.enabled}
              data-default={c.is_default}
              className="hover:bg-muted/40"
            >
              <Td className="max-w-56 truncate font-medium" title={c.display_name}>
                {c.display_name} {c.is_default && <Badge tone="primary">default</Badge>} {badges?.(c)}
              </Td>
              <Td className="font-mono text-xs">{c.provider_name}</Td>
              <Td>
                <Badge tone={c.enabled ? 'success' : 'neutral'}>{c.enabled ? 'enabled' : 'disabled'}</Badge>
              </Td>
              {onDefault && <Td className="tabular-nums text-muted-fg">{c.priority}</Td>}
              <Td className="whitespace-nowrap text-muted-fg">{formatDateTime(c.updated_at)}</Td>
              <Td className="whitespace-nowrap text-right">
                <Button variant="ghost" size="sm" aria-label={`Edit ${c.display_name}`} title="Edit" onClick={() => onEdit(c)}>
                  <Pencil className="h-3.5 w-3.5" />
                </Button>
                <Button
                  variant="ghost"
                  size="sm"
                  aria-label={`${c.enabled ? 'Disable' : 'Enable'} ${c.display_name}`}
                  title={c.enabled ? 'Disable' : 'Enable'}
                  onClick={() => onToggle(c)}
                >
                  <Power className="h-3.5 w-3.5" />
                </Button>
                {onDefault && (
                  <Button
                    variant="ghost"
                    size="sm"
                    aria-label={`${c.is_default ? 'Unset default' : 'Make default'} ${c.display_name}`}
                    title={c.is_default ? 'Unset default' : 'Make default'}
                    onClick={() => onDefault(c)}
                  >
                    <Star className={c.is_default ? 'h-3.5 w-3.5 fill-current' : 'h-3.5 w-3.5'} />
                  </Button>
                )}
                <Button variant="ghost" size="sm" aria-label={`Delete ${c.display_name}`} title="Delete" onClick={() => onDelete(c)}>
                  <Trash2 className="h-3.5 w-3.5" />
                </Button>
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </TableContainer>
  );
}
