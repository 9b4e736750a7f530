import { useCallback, useRef, useState } from 'react';
import { useDismiss } from './useDismiss.ts';
import { EXAMPLES, type Example } from '../state/examples.ts';
import { scenarioOf, useWorkspace } from '../state/store.ts';

/** The built-in examples, each with a one-line description; opening one keeps the previous work one Undo away. */
export function ExamplesMenu() {
  const [open, setOpen] = useState(false);
  const loadScenario = useWorkspace((s) => s.loadScenario);
  const ref = useRef<HTMLDivElement>(null);
  const closeMenu = useCallback(() => setOpen(false), []);

  useDismiss(open, closeMenu, ref);

  const choose = (example: Example) => {
    loadScenario(
      example.scenario,
      {
        kind: 'info',
        message: `Opened the example “${example.title}”: ${example.description}`,
        undo: scenarioOf(useWorkspace.getState()),
      },
      `Before opening the example “${example.title}”`,
    );
    // The address bar names the example until the user changes something (bootstrap clears it then).
    history.replaceState(null, '', `#example=${example.id}`);
    setOpen(false);
  };

  return (
    <div className="examples-menu" ref={ref}>
      <button type="button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        Examples ▾
      </button>
      {open && (
        <ul role="menu" aria-label="Examples">
          {EXAMPLES.map((example, index) => (
            <li key={example.id} role="none">
              <button type="button" role="menuitem" onClick={() => choose(example)} autoFocus={index === 0}>
                <span className="example-title">
                  {index + 1}. {example.title}
                </span>
                <span className="example-description">{example.description.split('. ')[0]}.</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
