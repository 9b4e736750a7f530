import { useCallback, useRef, useState, type FormEvent } from 'react';
import { toTraceRequest } from '../../state/engine.ts';
import { expectationsOf, isTestsFile, TESTS_FILE_NAME } from '../../state/pathTests.ts';
import { saveAsTest } from '../../state/pathTools.ts';
import { useWorkspace } from '../../state/store.ts';
import { useDismiss } from '../useDismiss.ts';

/**
 * "Save as test": the current request and what happened to it become a test in the workspace's tests file, which the
 * Tests tab runs on every edit and `meshpath test` runs in CI.
 */
export function SaveAsTest() {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const trace = useWorkspace((s) => s.trace);
  const request = useWorkspace((s) => s.request);
  const files = useWorkspace((s) => s.files);
  const ref = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const close = useCallback(() => {
    setOpen(false);
    buttonRef.current?.focus();
  }, []);
  useDismiss(open, close, ref);
  if (!trace?.ok) return null;
  const parsed = toTraceRequest(request);
  const suggested = typeof parsed === 'string' ? '' : `${parsed.from} → ${parsed.to}`;
  const target = files.find(isTestsFile)?.name ?? `${TESTS_FILE_NAME} (new)`;
  const asserts = expectationsOf(trace.trace);

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    const saved = saveAsTest(name || suggested);
    if (typeof saved === 'string') {
      setProblem(saved);
      return;
    }
    setOpen(false);
  };

  return (
    <div className="path-tools-popover-anchor" ref={ref}>
      <button
        ref={buttonRef}
        type="button"
        aria-expanded={open}
        aria-controls="save-as-test"
        title="Keep this request and its result as a test, run on every edit and in CI"
        onClick={() => {
          setName(suggested);
          setProblem(null);
          setOpen(!open);
        }}
      >
        Save as test
      </button>
      {open && (
        <form id="save-as-test" className="path-tools-popover" aria-label="Save as test" onSubmit={handleSubmit}>
          <label>
            Test name
            <input
              autoFocus
              value={name}
              onChange={(e) => setName(e.target.value)}
              onFocus={(e) => e.currentTarget.select()}
            />
          </label>
          <p className="path-tools-note">What must happen, as it happens now:</p>
          <ul className="save-asserts" aria-label="What the test asserts">
            {asserts.map(([field, value]) => (
              <li key={field}>
                {field}: <code>{value}</code>
              </li>
            ))}
          </ul>
          <p className="path-tools-note">
            Added to <strong>{target}</strong>, a file tab you can edit and download.
          </p>
          {problem && (
            <p className="path-tools-problem" role="alert">
              {problem}
            </p>
          )}
          <div className="path-tools-buttons">
            <button type="submit" className="primary">
              Save test
            </button>
            <button type="button" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
