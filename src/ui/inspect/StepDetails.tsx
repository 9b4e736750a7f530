import type { Trace } from '../../core/index.ts';
import { useWorkspace } from '../../state/store.ts';

/** What happened at one step, why, what else was there, the proxy's access-log line and the objects behind it. */
export function StepDetails({ trace, index }: { trace: Trace; index: number }) {
  const revealRange = useWorkspace((s) => s.revealRange);
  const selectStep = useWorkspace((s) => s.selectStep);
  const step = trace.steps[index];
  if (!step) return null;
  const hop = step.hop !== undefined ? trace.hops[step.hop] : undefined;
  return (
    <aside className="step-details" aria-label="Step details">
      <div className="step-details-head">
        <h2>
          <span className="step-kind">{step.kind}</span> {step.title}
        </h2>
        <button type="button" aria-label="Close details" onClick={() => selectStep(null)}>
          ×
        </button>
      </div>
      {step.proxy && <p className="step-proxy">in {step.proxy}</p>}
      <p>{step.detail}</p>
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
      {step.sources.length > 0 && (
        <div className="step-sources">
          Caused by:{' '}
          {step.sources.map((source) => (
            <button
              key={`${source.kind}/${source.namespace ?? ''}/${source.name}`}
              type="button"
              className="link"
              onClick={() => revealRange(source.file, source.range)}
            >
              {source.kind} {source.namespace ? `${source.namespace}/` : ''}
              {source.name} ({source.file}:{source.range.start.line})
            </button>
          ))}
        </div>
      )}
    </aside>
  );
}
