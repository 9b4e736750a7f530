import { memo, useDeferredValue, useMemo, useState } from 'react';
import type { Assumption, Diagnostic, SourceRange } from '../core/index.ts';
import { useWorkspace } from '../state/store.ts';
import { listKey } from './freshList.ts';

/** Items drawn at once: thousands of list items would block the page each time the list changes. */
const MAX_ITEMS = 300;

/** Every problem the core found and everything it assumed, each with its place; a click shows the lines. */
export function DiagnosticsPanel() {
  const analysed = useWorkspace((s) => s.analysis.diagnostics);
  const files = useWorkspace((s) => s.files);
  const encodingProblems = useWorkspace((s) => s.encodingProblems);
  // Bytes that were not UTF-8 in an upload, first, while the file still holds the text they were found in.
  const diagnostics = useMemo(() => {
    const current = encodingProblems.filter((e) => files.some((f) => f.name === e.file && f.text === e.text));
    return current.length > 0 ? [...current.flatMap((e) => e.diagnostics), ...analysed] : analysed;
  }, [analysed, files, encodingProblems]);
  const assumptions = useWorkspace((s) => s.analysis.assumptions);
  const revealRange = useWorkspace((s) => s.revealRange);
  const [tab, setTab] = useState<'problems' | 'assumptions'>('problems');
  // The lists follow a new analysis in a deferred render, in short tasks after the outcome is drawn; the counts above
  // them are up to date at once.
  const shownDiagnostics = useDeferredValue(diagnostics);
  const shownAssumptions = useDeferredValue(assumptions);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  return (
    <section className="diagnostics" aria-label="Problems">
      <div className="diagnostics-tabs" role="tablist" aria-label="Problems and assumptions">
        <button type="button" role="tab" aria-selected={tab === 'problems'} onClick={() => setTab('problems')}>
          Problems{' '}
          <span className="counts">
            {errors} errors · {warnings} warnings · {diagnostics.length - errors - warnings} notes
          </span>
        </button>
        <button type="button" role="tab" aria-selected={tab === 'assumptions'} onClick={() => setTab('assumptions')}>
          Assumptions <span className="counts">{assumptions.length}</span>
        </button>
      </div>
      {tab === 'problems' && shownDiagnostics.length > 0 && (
        <ProblemList key={listKey(shownDiagnostics)} diagnostics={shownDiagnostics} revealRange={revealRange} />
      )}
      {tab === 'assumptions' && (
        <AssumptionList key={listKey(shownAssumptions)} assumptions={shownAssumptions} revealRange={revealRange} />
      )}
    </section>
  );
}

type Reveal = (file: string, range: SourceRange) => void;

const ProblemList = memo(function ProblemList({
  diagnostics,
  revealRange,
}: {
  diagnostics: readonly Diagnostic[];
  revealRange: Reveal;
}) {
  return (
    <ul aria-label="Problem list">
      {diagnostics.slice(0, MAX_ITEMS).map((d, index) => (
        <li
          key={`${d.file}:${d.range.start.line}:${d.range.start.column}:${d.code}:${index}`}
          className={`diagnostic ${d.severity}`}
        >
          <button type="button" className="link" onClick={() => revealRange(d.file, d.range)}>
            {d.file}:{d.range.start.line}:{d.range.start.column}
          </button>{' '}
          <span className="severity">{d.severity}</span> {d.message} <span className="code">{d.code}</span>
        </li>
      ))}
      <MoreItems total={diagnostics.length} />
    </ul>
  );
});

const AssumptionList = memo(function AssumptionList({
  assumptions,
  revealRange,
}: {
  assumptions: readonly Assumption[];
  revealRange: Reveal;
}) {
  return (
    <ul aria-label="Assumption list">
      {assumptions.slice(0, MAX_ITEMS).map((a, index) => (
        <li key={`${a.code}:${index}`} className="diagnostic assumption-item">
          {a.subject ? (
            <button
              type="button"
              className="link"
              onClick={() => a.subject && revealRange(a.subject.file, a.subject.range)}
            >
              {a.subject.file}:{a.subject.range.start.line}
            </button>
          ) : (
            <span className="severity">mesh</span>
          )}{' '}
          {a.message}
        </li>
      ))}
      <MoreItems total={assumptions.length} />
    </ul>
  );
});

function MoreItems({ total }: { total: number }) {
  return total > MAX_ITEMS ? (
    <li className="diagnostic">
      … and {total - MAX_ITEMS} more (the first {MAX_ITEMS} are listed; the editor marks every one).
    </li>
  ) : null;
}
