import { useCallback, useRef, useState } from 'react';
import { useDismiss } from './useDismiss.ts';
import type { HistoryEntry } from '../state/history.ts';
import { useWorkspace } from '../state/store.ts';

function age(savedAt: number, now: number): string {
  const minutes = Math.round((now - savedAt) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(savedAt).toLocaleString();
}

function contents(entry: HistoryEntry): string {
  const names = entry.scenario.files.map((f) => f.name);
  const size = entry.scenario.files.reduce((sum, f) => sum + f.text.split('\n').length, 0);
  return `${names.slice(0, 2).join(', ')}${names.length > 2 ? ` +${names.length - 2}` : ''} · ${size} lines`;
}

/** The workspaces kept before an action replaced them: restore any of them, even after a reload. */
export function RecentMenu() {
  const [open, setOpen] = useState(false);
  // Ages are told as of the moment the menu opened.
  const [now, setNow] = useState(0);
  const history = useWorkspace((s) => s.history);
  const loadScenario = useWorkspace((s) => s.loadScenario);
  const ref = useRef<HTMLDivElement>(null);
  const closeMenu = useCallback(() => setOpen(false), []);

  useDismiss(open, closeMenu, ref);

  const restore = (entry: HistoryEntry) => {
    loadScenario(
      entry.scenario,
      { kind: 'info', message: `Restored the workspace kept ${entry.summary.toLowerCase()}.` },
      'Before restoring an earlier workspace',
    );
    setOpen(false);
  };

  return (
    <div className="examples-menu" ref={ref}>
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => {
          setNow(Date.now());
          setOpen(!open);
        }}
      >
        Recent ▾
      </button>
      {open && (
        <ul role="menu" aria-label="Recent">
          {history.length === 0 && (
            <li role="none" className="example-description">
              Nothing replaced yet: opening an example, a link or a file keeps your work here first.
            </li>
          )}
          {history.map((entry, index) => (
            <li key={`${entry.savedAt}-${index}`} role="none">
              <button type="button" role="menuitem" onClick={() => restore(entry)} autoFocus={index === 0}>
                <span className="example-title">
                  {entry.summary} · {age(entry.savedAt, now)}
                </span>
                <span className="example-description">{contents(entry)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
