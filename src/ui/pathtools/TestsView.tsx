import type { SourceRange } from '../../core/index.ts';
import { splitWorkspace, type TestRunView } from '../../state/pathTests.ts';
import { usePathTools } from '../../state/pathTools.ts';
import { useWorkspace } from '../../state/store.ts';

function download(name: string, text: string): void {
  const href = URL.createObjectURL(new Blob([text], { type: 'application/x-yaml' }));
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(href), 1000);
}

/** The Tests tab's label: how many tests pass, red when one fails. */
export function TestsTabLabel() {
  const results = useWorkspace((s) => s.pathTests.results);
  const broken = useWorkspace((s) => s.pathTests.files.some((f) => f.diagnostics.length > 0));
  if (results.length === 0 && !broken) return <>Tests</>;
  const passed = results.filter((r) => r.status === 'passed').length;
  const ok = passed === results.length && !broken;
  return (
    <>
      Tests{' '}
      <span className={`tests-count ${ok ? 'ok' : 'failing'}`}>
        {broken && results.length === 0 ? '!' : `${passed}/${results.length}`}
      </span>
    </>
  );
}

const STATUS_WORD = { passed: 'PASS', failed: 'FAIL', error: 'ERROR' } as const;

function TestRow({
  result,
  onOpen,
  onReveal,
}: {
  result: TestRunView;
  onOpen: () => void;
  onReveal: (range: SourceRange) => void;
}) {
  const f = result.failure;
  return (
    <li className={`test-result ${result.status}`}>
      <span className="test-status">{STATUS_WORD[result.status]}</span>
      <div className="test-body">
        <button
          type="button"
          className="link test-name"
          title="Show this test's request and its trace in the Path view"
          onClick={onOpen}
        >
          {result.name}
        </button>
        <span className="test-got">
          {result.outcome !== null
            ? `${result.outcome}${result.httpStatus !== null ? ` ${result.httpStatus}` : ''}`
            : 'not traced'}
        </span>
        <button type="button" className="link test-where" onClick={() => onReveal(result.range)}>
          {result.file}:{result.range.start.line}
        </button>
        {result.error !== undefined && <p className="test-failure">{result.error}</p>}
        {f && (
          <p className="test-failure">
            <button type="button" className="link" onClick={() => onReveal(f.range)}>
              <code>{f.at}</code>
            </button>
            : expected <code>{f.expected}</code>, got <code>{f.actual}</code>
            {f.step && (
              <span className="test-step">
                {' '}
                — decided at step {f.step.number}: {f.step.title}
              </span>
            )}
            {result.moreFailures > 0 && (
              <span className="test-more">
                {' '}
                (and {result.moreFailures} more field{result.moreFailures === 1 ? '' : 's'})
              </span>
            )}
          </p>
        )}
      </div>
    </li>
  );
}

/**
 * The Tests tab: each tests file in the workspace (recognised by its `tests:` list) run against the manifests, on
 * every edit, in the analysis worker; a click on a test shows its trace.
 */
export function TestsView() {
  const pathTests = useWorkspace((s) => s.pathTests);
  const files = useWorkspace((s) => s.files);
  const computing = useWorkspace((s) => s.computing);
  const revealRange = useWorkspace((s) => s.revealRange);
  const setRequest = useWorkspace((s) => s.setRequest);
  const setOptions = useWorkspace((s) => s.setOptions);
  const setNotice = useWorkspace((s) => s.setNotice);
  const showView = usePathTools((s) => s.showView);

  if (pathTests.files.length === 0) {
    return (
      <section className="tests-view" aria-label="Tests">
        <div className="compare-intro">
          <h2>Path tests</h2>
          <p>
            A test is a request and what must happen to it. <strong>Save as test</strong> (beside the outcome) writes
            the current request and its result into <code>meshpath.tests.yaml</code>; or upload or drop a tests file
            (YAML with a <code>tests:</code> list). Meshpath runs them against your manifests on every edit, and{' '}
            <code>meshpath test -f manifests.yaml meshpath.tests.yaml</code> runs the same file in CI.
          </p>
        </div>
      </section>
    );
  }
  const results = pathTests.results;
  const count = (s: TestRunView['status']) => results.filter((r) => r.status === s).length;
  const open = (result: TestRunView) => {
    setOptions(result.options);
    setRequest(result.request);
    setNotice({ kind: 'info', message: `The request form now holds the test “${result.name}”; its trace is below.` });
    showView('path');
  };
  return (
    <section className={`tests-view${computing ? ' stale' : ''}`} aria-label="Tests">
      <div className="tests-summary" role="status" aria-label="Test summary">
        <strong>
          {results.length} test{results.length === 1 ? '' : 's'}: {count('passed')} passed, {count('failed')} failed
          {count('error') > 0 ? `, ${count('error')} not traced` : ''}
        </strong>
        {pathTests.files.map((file) => {
          const text = files.find((f) => f.name === file.name)?.text ?? '';
          return (
            <button key={file.name} type="button" onClick={() => download(file.name, text)}>
              Download {file.name}
            </button>
          );
        })}
      </div>
      {pathTests.files
        .filter((file) => file.diagnostics.length > 0)
        .map((file) => (
          <div key={file.name} className="tests-problems" role="alert">
            <strong>{file.name} cannot be run until this is fixed:</strong>
            <ul>
              {file.diagnostics.map((d) => (
                <li key={`${d.range.start.line}:${d.range.start.column}:${d.message}`}>
                  <button type="button" className="link" onClick={() => revealRange(d.file, d.range)}>
                    {d.file}:{d.range.start.line}:{d.range.start.column}
                  </button>{' '}
                  {d.message}
                </li>
              ))}
            </ul>
          </div>
        ))}
      <ul className="test-results" aria-label="Test results">
        {results.map((result, index) => (
          <TestRow
            key={`${result.file}:${result.name}:${index}`}
            result={result}
            onOpen={() => open(result)}
            onReveal={(range) => revealRange(result.file, range)}
          />
        ))}
      </ul>
      <p className="tests-hint">
        A click on a test's name puts its request in the form and shows its trace. In CI, the same file runs with{' '}
        <code>
          meshpath test{' '}
          {splitWorkspace(files)
            .manifests.map((f) => `-f ${f.name}`)
            .join(' ')}{' '}
          {pathTests.files.map((f) => f.name).join(' ')}
        </code>
        .
      </p>
    </section>
  );
}
