import { useEffect, useRef } from 'react';
import { useBlocker } from 'react-router';
import { useConfirm } from '@/components/ui/confirm';

/** Asks before leaving a page (in-app navigation or reload) with unsaved changes. */
export function useUnsavedGuard(dirty: boolean): void {
  const confirm = useConfirm();
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname,
  );

  const blockerRef = useRef(blocker);
  blockerRef.current = blocker;

  useEffect(() => {
    if (blocker.state !== 'blocked') return;
    let cancelled = false;
    void confirm({
      title: 'Discard unsaved changes?',
      message: 'You have changes that are not saved. Leave this page and lose them?',
      confirmLabel: 'Discard changes',
      danger: true,
    }).then((ok) => {
      if (cancelled) return;
      const b = blockerRef.current;
      if (b.state !== 'blocked') return;
      if (ok) b.proceed();
      else b.reset();
    });
    return () => {
      cancelled = true;
    };
  }, [blocker.state, confirm]);

  useEffect(() => {
    if (!dirty) return;
    const handler = (e: BeforeUnloadEvent) => {
      e.preventDefault();
    };
    window.addEventListener('beforeunload', handler);
    return () => window.removeEventListener('beforeunload', handler);
  }, [dirty]);
}

/** For dialogs holding a form: ask before closing one with unsaved changes. */
export function useGuardedClose(dirty: boolean, close: () => void): () => void {
  const confirm = useConfirm();
  return () => {
    if (!dirty) {
      close();
      return;
    }
    void confirm({
      title: 'Discard unsaved changes?',
      message: 'Close this form and lose what you typed?',
      confirmLabel: 'Discard',
      danger: true,
    }).then((ok) => ok && close());
  };
}
