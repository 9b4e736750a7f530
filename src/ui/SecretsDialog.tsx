import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { REDACTED, type SecretFinding } from '../core/index.ts';
import './SecretsDialog.css';

const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), [href], [tabindex]:not([tabindex="-1"])';

/**
 * Asks before a link or a file carries secret values: lists each one found (file, line, object, key) and strips them
 * unless the user unticks the box. Keyboard: focus stays inside, Escape cancels, Enter confirms.
 */
export function SecretsDialog({
  findings,
  action,
  onConfirm,
  onCancel,
}: {
  findings: readonly SecretFinding[];
  /** The button's word: "Share link" or "Download". */
  action: string;
  onConfirm: (strip: boolean) => void;
  onCancel: () => void;
}) {
  const [strip, setStrip] = useState(true);
  const dialogRef = useRef<HTMLDivElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    confirmRef.current?.focus();
    return () => before?.focus();
  }, []);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onCancel();
    } else if (event.key === 'Enter' && !(event.target instanceof HTMLButtonElement)) {
      // A button's own Enter presses that button (Cancel stays Cancel); anywhere else Enter confirms.
      event.preventDefault();
      onConfirm(strip);
    } else if (event.key === 'Tab') {
      const focusable = [...(dialogRef.current?.querySelectorAll<HTMLElement>(FOCUSABLE) ?? [])];
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (!first || !last) return;
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }
  };

  const values = findings.length === 1 ? 'value' : 'values';
  return (
    <div className="secrets-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onCancel()}>
      <div
        ref={dialogRef}
        className="secrets-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="secrets-title"
        aria-describedby="secrets-why"
        onKeyDown={onKeyDown}
      >
        <h2 id="secrets-title">
          {findings.length} secret {values} in these manifests
        </h2>
        <p id="secrets-why">
          Secret data and <code>last-applied-configuration</code> annotations would go into the{' '}
          {action === 'Download' ? 'file' : 'link'} as written. No trace depends on them.
        </p>
        <ul className="secrets-list" aria-label="Secret values found" tabIndex={0}>
          {findings.map((f) => (
            <li key={`${f.file}:${f.start}`}>
              <span className="secrets-where">
                {f.file}:{f.range.start.line}
              </span>{' '}
              {f.object}{' '}
              <code>
                {f.field === 'last-applied-configuration' ? 'last-applied annotation' : `${f.field}.${f.key}`}
              </code>
            </li>
          ))}
        </ul>
        <label className="secrets-strip">
          <input type="checkbox" checked={strip} onChange={(e) => setStrip(e.target.checked)} />
          Replace {findings.length === 1 ? 'it' : 'them'} with <code>{REDACTED}</code> (lines and comments stay)
        </label>
        <div className="secrets-buttons">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button ref={confirmRef} type="button" className="primary" onClick={() => onConfirm(strip)}>
            {strip ? `${action} without secrets` : `${action} with secrets`}
          </button>
        </div>
      </div>
    </div>
  );
}
