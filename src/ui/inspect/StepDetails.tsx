import type { ObjectSource, Trace, TraceStep } from '../../core/index.ts';
import { useWorkspace } from '../../state/store.ts';
import { labelPlaceholders } from '../graph/pathElements.ts';

/**
 * What happened at one step, why, the analyzers' findings that concern it, what else was there, the proxy's access-log
 * line and the objects behind it.
 */
export function StepDetails({ trace, index }: { trace: Trace; index: number }) {
  const revealRange = useWorkspace((s) => s.revealRange);
  const selectStep = useWorkspace((s) => s.selectStep);
  const stepSources = useWorkspace((s) => s.stepSources);
  const step: TraceStep | undefined = trace.steps[index];
  const sources = stepSources[index] ?? [];
  if (!step) return null;
  const hop = step.hop !== undefined ? trace.hops[step.hop] : undefined;
  const reveal = (source: ObjectSource) => revealRange(source.file, source.range);
  return (
    <section id="step-details" className="step-details" aria-label="Step details">
      <div className="step-details-head">
        <h2>
          <span className="step-kind">{step.kind}</span> {labelPlaceholders(step.title)}
        </h2>
        <button type="button" aria-label="Close details" onClick={() => selectStep(null)}>
          ×
        </button>
      </div>
      {step.proxy && <p className="step-proxy">in {step.proxy}</p>}
      <p>{labelPlaceholders(step.detail)}</p>
      {step.findings && step.findings.length > 0 && (
        <div className="step-findings">
          <span>Findings that concern this step:</span>
          <ul aria-label="Step findings">
            {step.findings.map((d) => (
              <li
                key={`${d.file}:${d.range.start.line}:${d.range.start.column}:${d.code}`}
                className={`diagnostic ${d.severity}`}
              >
                <span className="severity">{d.severity}</span> <span className="code">{d.code}</span> {d.message}{' '}
                <button type="button" className="link" onClick={() => revealRange(d.file, d.range)}>
                  ({d.file}:{d.range.start.line})
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {step.endpoints && (
        <ul className="endpoint-list" aria-label="Endpoints">
          {step.endpoints.map((e) => (
            <li key={e.address} className={e.state}>
              <code>{e.address}</code> {e.pod ?? ''} — {e.state === 'excluded' ? 'not in the subset' : e.state}
            </li>
          ))}
        </ul>
      )}
      {step.alternatives && step.alternatives.length > 0 && (
        <details>
          <summary>Not taken ({step.alternatives.length})</summary>
          <ul className="alternatives">
            {step.alternatives.map((a) => (
              <li key={a}>{a}</li>
            ))}
          </ul>
        </details>
      )}
      {hop?.accessLog && (
        <div className="access-log">
          <span>Access log of {hop.proxy}</span>
          <code>{hop.accessLog}</code>
        </div>
      )}
      {sources.length > 0 && (
        <div className="step-sources">
          <span>Caused by:</span>
          <ul>
            {sources.map(({ source, field }) => (
              <li key={`${source.kind}/${source.namespace ?? ''}/${source.name}/${field ?? ''}`}>
                <button type="button" className="link" onClick={() => reveal(source)}>
                  {source.kind} {source.namespace ? `${source.namespace}/` : ''}
                  {source.name}
                  {field ? ` ${field}` : ''} ({source.file}:{source.range.start.line})
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
