import { createElement as h, type ReactElement } from 'react';
import { renderToString } from 'react-dom/server';
import { MemoryRouter, Routes, Route } from 'react-router';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { sessionStore } from '@/lib/session';
import { filtersFromParams } from '@/lib/audit';
import { ToastProvider } from '@/components/ui/toast';
import { AuditLogsPage } from './AuditLogsPage';
import { AuditHistoryPage } from './AuditHistoryPage';
import { AuditSettingsPage } from './AuditSettingsPage';
import { VerifyReport } from './VerifyReport';
import { RecentAuditCard } from './RecentAuditCard';
import type { AuditLog } from '@/lib/audit-types';

const e = (over: Partial<AuditLog>): AuditLog => ({
  id: 1, account_id: 'AC0001', operation: 'UPDATE', table_name: 'notes', record_id: 'rec-1', column_name: 'title',
  old_value: '"First draft"', new_value: '"Second draft"', user_id: 'u1', user_email: 'root@example.com', user_name: null,
  es_username: null, es_reason: null, es_timestamp: null, ip_address: '127.0.0.1', user_agent: 'x', request_id: 'req-123456789',
  occurred_at: '2026-12-04T10:00:00Z', checksum: 'a'.repeat(64), previous_hash: 'b'.repeat(64), extra_metadata: { change_seq: 2, role: 'admin' },
  chain: 'AC0001', sequence: 1, ...over,
});
const items = [
  e({ id: 1, operation: 'CREATE', old_value: null, new_value: '"First draft"', extra_metadata: { change_seq: 1 } }),
  e({ id: 2, es_username: 'root@example.com', es_reason: 'fix typo', es_timestamp: '2026-12-04T10:00:00Z' }),
  e({ id: 3, column_name: 'secret', old_value: '***', new_value: '***' }),
];

/** Server-renders one page at `path` with the query cache seeded (no requests are made). */
function render(path: string, route: string, el: ReactElement, seed: (qc: QueryClient) => void) {
  const qc = new QueryClient();
  seed(qc);
  return renderToString(
    h(QueryClientProvider, { client: qc }, h(ToastProvider, null, h(MemoryRouter, { initialEntries: [path] }, h(Routes, null, h(Route, { path: route, element: el }))))),
  );
}

const superadmin = {
  token: 't',
  refreshToken: 'r',
  account: { id: 'SY0000', slug: 'system', name: 'System', created_at: '' },
  user: { id: 'u', email: 'root@example.com', role: 'admin', is_active: true, created_at: '' },
} as Parameters<typeof sessionStore.set>[0];

// The pages render contract-shaped data: a render check, since the browser
// journey (e2e/audit.test.mjs) needs the server's audit routes.
describe('audit pages render', () => {
  sessionStore.set(superadmin);
  it('the list, filtered, with the logging-off notice', () => {
    const f = filtersFromParams(new URLSearchParams('table_name=notes'));
    const html = render('/audit-logs?table_name=notes', '/audit-logs', h(AuditLogsPage), (qc) => {
      qc.setQueryData(['audit', 'list', f], { items, total: 3, skip: 0, limit: 50, audit_logging_enabled: false });
      qc.setQueryData(['collections', 'names'], { names: ['notes'], total: 1 });
      qc.setQueryData(['accounts', 'options'], { items: [{ id: 'AC0001', name: 'Acme' }], total: 1 });
    });
    expect(html).toContain('Second draft');
    expect(html).toContain('audit-disabled');
    expect(html).toContain('Export CSV');
    expect(html).toContain('Any account');
  });
  it('a record history: one card per change, the signature, masked values', () => {
    const html = render('/audit-logs/history?table_name=notes&record_id=rec-1', '/audit-logs/history', h(AuditHistoryPage), (qc) => {
      qc.setQueryData(['audit', 'history', 'notes', 'rec-1'], { entries: items, total: 3, truncated: false, audit_logging_enabled: true });
    });
    expect(html).toContain('fix typo');
    expect((html.match(/data-testid="audit-change"/g) ?? []).length).toBe(2);
  });
  it('the settings: listed collections and the ones the settings miss', () => {
    const html = render('/audit-logs/settings', '/audit-logs/settings', h(AuditSettingsPage), (qc) => {
      qc.setQueryData(['audit', 'settings'], { enabled: true, collections: [{ collection: 'notes', enabled: true, excluded_fields: ['a', 'b'], require_signature: true }] });
      qc.setQueryData(['collections', 'names'], { names: ['notes', 'posts'], total: 2 });
    });
    expect(html).toContain('a, b');
    expect(html).toContain('data-collection="posts"');
  });
  it('a broken chain and the recent entries card', () => {
    const qc = new QueryClient();
    const html = renderToString(
      h(QueryClientProvider, { client: qc }, h(MemoryRouter, null,
        h(VerifyReport, { report: { ok: false, verified_at: '2026-12-04T10:00:00Z', chains: [
          { chain: 'system', account_id: null, entries: 3, head_sequence: 3, head_hash: 'ff', checkpoints: 1, last_checkpoint_at: null, ok: true, error: null },
          { chain: 'AC0001', account_id: 'AC0001', entries: 3, head_sequence: 3, head_hash: 'ff', checkpoints: 0, last_checkpoint_at: null, ok: false, error: { sequence: 2, kind: 'checksum_mismatch', message: 'bad' } },
        ] }, onClose: () => {} }),
        h(RecentAuditCard, { entries: items }))),
    );
    expect(html).toContain('1 of 2 chains broken');
    expect(html).toContain('checksum_mismatch');
    expect(html).toContain('View all audit logs');
  });
});
