import { AlertTriangle } from 'lucide-react';

/** Shown when the server answers `audit_logging_enabled: false`. */
export function DisabledNotice() {
  return (
    <div
      role="alert"
      data-testid="audit-disabled"
      className="mb-4 flex items-start gap-2 rounded-md border border-warn/50 bg-warn/10 px-3 py-2 text-sm text-warn"
    >
      <AlertTriangle className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
      <span>Audit logging is turned off on this server: changes are not being recorded. Entries written while it was on stay listed.</span>
    </div>
  );
}
