import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from 'react';
import { Button } from './button';
import { Dialog } from './dialog';
import { Input, Label } from './input';

export interface ConfirmOptions {
  title: string;
  message: ReactNode;
  confirmLabel?: string;
  danger?: boolean;
  /** When set, the person must type this text before confirming. */
  typeToConfirm?: string;
}

type ConfirmFn = (options: ConfirmOptions) => Promise<boolean>;

const ConfirmContext = createContext<ConfirmFn | null>(null);

export function ConfirmProvider({ children }: { children: ReactNode }) {
  const [options, setOptions] = useState<ConfirmOptions | null>(null);
  const [typed, setTyped] = useState('');
  const resolver = useRef<((ok: boolean) => void) | null>(null);

  const confirm = useCallback<ConfirmFn>((opts) => {
    resolver.current?.(false);
    setTyped('');
    setOptions(opts);
    return new Promise<boolean>((resolve) => {
      resolver.current = resolve;
    });
  }, []);

  const finish = (ok: boolean) => {
    resolver.current?.(ok);
    resolver.current = null;
    setOptions(null);
  };

  const blocked = options?.typeToConfirm !== undefined && typed !== options.typeToConfirm;

  return (
    <ConfirmContext.Provider value={confirm}>
      {children}
      <Dialog
        open={options !== null}
        onClose={() => finish(false)}
        title={options?.title ?? ''}
        size="sm"
        footer={
          <>
            <Button variant="outline" onClick={() => finish(false)}>
              Cancel
            </Button>
            <Button
              variant={options?.danger ? 'danger' : 'primary'}
              disabled={blocked}
              onClick={() => finish(true)}
              data-testid="confirm-ok"
            >
              {options?.confirmLabel ?? 'Confirm'}
            </Button>
          </>
        }
      >
        <div className="flex flex-col gap-3 text-sm">
          <div>{options?.message}</div>
          {options?.typeToConfirm !== undefined && (
            <form
              className="flex flex-col gap-1.5"
              onSubmit={(e) => {
                e.preventDefault();
                if (!blocked) finish(true);
              }}
            >
              <Label htmlFor="confirm-typed">
                Type <strong className="font-mono">{options.typeToConfirm}</strong> to confirm
              </Label>
              <Input
                id="confirm-typed"
                autoComplete="off"
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
                autoFocus
              />
            </form>
          )}
        </div>
      </Dialog>
    </ConfirmContext.Provider>
  );
}

export function useConfirm(): ConfirmFn {
  const ctx = useContext(ConfirmContext);
  if (!ctx) throw new Error('useConfirm outside ConfirmProvider');
  return ctx;
}
