import { finalCluster, isSuccess, statusText } from '../graph/pathElements.ts';
import { useWorkspace } from '../../state/store.ts';

/** The answer to "where does my request go": the outcome word, status and flag, and the final cluster. */
export function OutcomeBanner() {
  const trace = useWorkspace((s) => s.trace);
  const computing = useWorkspace((s) => s.computing);
  if (!trace) {
    return (
      <div className="outcome idle" role="status" aria-label="Outcome">
        Pick a source pod and type a destination to trace a request.
      </div>
    );
  }
  if (!trace.ok) {
    return (
      <div className="outcome idle" role="status" aria-label="Outcome">
        {trace.reason}
      </div>
    );
  }
  const t = trace.trace;
  const lastCluster = finalCluster(t);
  const status = statusText(t) || 'no HTTP status';
  const outcomeStep = t.steps.at(-1);
  return (
    <div
      className={`outcome ${isSuccess(t.outcome) ? 'success' : 'failure'}${computing ? ' stale' : ''}`}
      role="status"
      aria-label="Outcome"
    >
      <strong className="outcome-word">{t.outcome}</strong>
      <span className="outcome-status">{status}</span>
      {lastCluster && <code className="outcome-cluster">{lastCluster}</code>}
      <span className="outcome-why">{outcomeStep?.detail}</span>
    </div>
  );
}
