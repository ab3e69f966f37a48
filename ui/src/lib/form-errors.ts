import type { FieldValues, Path, UseFormSetError } from 'react-hook-form';
import { ApiError, errorMessage } from './api';

/** `schema[2].name` (the server's path) → `schema.2.name` (react-hook-form's). */
export function toFormPath(field: string): string {
  return field.replace(/\[(\d+)\]/g, '.$1');
}

/**
 * Attaches the envelope's `details` to the form fields they name; returns the
 * message to show above the form for what no field claims (or '' if all did).
 */
export function applyServerErrors<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  knownFields: readonly string[],
  rename: Record<string, string> = {},
): string {
  if (!(error instanceof ApiError) || error.details.length === 0) return errorMessage(error);
  const leftovers: string[] = [];
  const seen = new Set<string>();
  for (const d of error.details) {
    const path = rename[d.field] ?? toFormPath(d.field);
    const root = path.split('.')[0];
    if (knownFields.includes(path) || knownFields.includes(root)) {
      if (!seen.has(path)) {
        setError(path as Path<T>, { type: 'server', message: d.message });
        seen.add(path);
      }
    } else {
      leftovers.push(d.message);
    }
  }
  if (leftovers.length === 0) return '';
  return leftovers.length === error.details.length ? error.message : leftovers.join('; ');
}
