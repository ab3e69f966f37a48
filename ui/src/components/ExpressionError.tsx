import { caretLine } from '@/lib/expression';

interface Props {
  expression: string;
  message: string;
  position?: number | null;
  testId?: string;
}

/** A rule or filter error, with a caret under the character it is about. */
export function ExpressionError({ expression, message, position, testId }: Props) {
  const caret = caretLine(expression, position);
  return (
    <div role="alert" className="min-w-0 text-xs text-danger" data-testid={testId} data-position={position ?? undefined}>
      <p>
        {message}
        {position !== null && position !== undefined && <span className="text-muted-fg"> (at character {position})</span>}
      </p>
      {caret && (
        <pre className="mt-1 overflow-x-auto rounded bg-danger/10 px-2 py-1 font-mono">
          {caret.line}
          {'\n'}
          {caret.marker}
        </pre>
      )}
    </div>
  );
}
