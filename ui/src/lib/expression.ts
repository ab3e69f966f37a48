// Helpers for rule and filter expressions (the server reports 0-based
// character offsets).

/** The line of `expr` holding `position`, and a caret under that character. */
export function caretLine(expr: string, position?: number | null): { line: string; marker: string } | null {
  if (position === null || position === undefined || position < 0 || !expr) return null;
  const chars = Array.from(expr);
  const pos = Math.min(position, chars.length);
  let start = pos;
  while (start > 0 && chars[start - 1] !== '\n') start--;
  let end = pos;
  while (end < chars.length && chars[end] !== '\n') end++;
  const line = chars.slice(start, end).join('');
  const marker = `${' '.repeat(pos - start)}^`;
  return { line, marker };
}

/** The `filter` detail of a 422 from a records list, if that is what failed. */
export function filterError(details: { field: string; message: string; position?: number | null }[]) {
  return details.find((d) => d.field === 'filter') ?? null;
}
