import { useCallback, useRef, useState } from 'react';
import { useWorkspace } from '../../state/store.ts';
import { useDismiss } from '../useDismiss.ts';
import { CompareChoices } from './CompareChoices.tsx';

/** "Compare with…": this request, traced in this workspace and in another one, side by side (the Compare tab). */
export function CompareMenu() {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const trace = useWorkspace((s) => s.trace);
  const close = useCallback(() => {
    setOpen(false);
    buttonRef.current?.focus();
  }, []);
  useDismiss(open, close, ref);
  if (!trace?.ok) return null;
  return (
    <div className="path-tools-popover-anchor" ref={ref}>
      <button
        ref={buttonRef}
        type="button"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls="compare-with"
        title="Trace this request in another version of the manifests and see where the paths part"
        onClick={() => setOpen(!open)}
      >
        Compare with… ▾
      </button>
      {open && (
        <div id="compare-with" role="dialog" aria-label="Compare with" className="compare-popover">
          <ul className="compare-choices">
            <CompareChoices autoFocus onChosen={() => setOpen(false)} />
          </ul>
        </div>
      )}
    </div>
  );
}
