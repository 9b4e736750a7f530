import { useWorkspace } from '../state/store.ts';

/** Every problem the core found, with its place; a click shows the line. */
export function DiagnosticsPanel() {
  const diagnostics = useWorkspace((s) => s.analysis.diagnostics);
  const revealRange = useWorkspace((s) => s.revealRange);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  return (
    <section className="diagnostics" aria-label="Problems">
      <h2>
        Problems <span className="counts">{errors} errors · {warnings} warnings · {diagnostics.length - errors - warnings} notes</span>
      </h2>
      {diagnostics.length > 0 && (
        <ul>
          {diagnostics.map((d, index) => (
            <li key={`${d.file}:${d.range.start.line}:${d.range.start.column}:${d.code}:${index}`} className={`diagnostic ${d.severity}`}>
              <button type="button" className="link" onClick={() => revealRange(d.file, d.range)}>
                {d.file}:{d.range.start.line}:{d.range.start.column}
              </button>{' '}
              <span className="severity">{d.severity}</span> {d.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
