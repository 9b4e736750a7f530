import { useMemo } from 'react';
import type { TraceResult } from '../../core/index.ts';
import { EMPTY_LEAN_ANALYSIS, namesOf } from '../../state/leanView.ts';
import { isSuccess } from '../../state/outcome.ts';
import { finalCluster, labelPlaceholders, statusText } from '../graph/pathElements.ts';
import { useWorkspace } from '../../state/store.ts';
import { DEFAULT_OPTIONS } from '../../state/scenarioCodec.ts';

/** The what-if settings that differ from the manifests, as badges beside the answer they change (each resettable). */
function OverrideBadges() {
  const options = useWorkspace((s) => s.options);
  const setOptions = useWorkspace((s) => s.setOptions);
  const mesh = useWorkspace((s) => s.analysis.mesh);
  const badges: Array<{ key: keyof typeof options; text: string; title: string }> = [];
  const policy = options.outboundTrafficPolicy;
  if (policy !== 'manifests')
    badges.push({
      key: 'outboundTrafficPolicy',
      text: `What-if: ${policy}`,
      title: `Outbound traffic policy: ${policy} here, ${mesh.outboundTrafficPolicy} in the manifests.`,
    });
  if (options.dnsCapture !== 'manifests')
    badges.push({
      key: 'dnsCapture',
      text: `What-if: DNS capture ${options.dnsCapture}`,
      title: `DNS capture turned ${options.dnsCapture} here, whatever the manifests say.`,
    });
  if (badges.length === 0) return null;
  return (
    <ul className="override-badges" aria-label="What-if overrides">
      {badges.map((badge) => (
        <li key={badge.key} className="override-badge" title={badge.title}>
          <span>{badge.text}</span>
          <button
            type="button"
            aria-label={`Use the manifests' ${badge.key === 'dnsCapture' ? 'DNS capture' : 'outbound traffic policy'}`}
            onClick={() => setOptions({ [badge.key]: DEFAULT_OPTIONS[badge.key] })}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}

/** Problems in documents that mention what the failed request needed: a skipped Service is often the whole answer. */
function RelatedProblems({ trace }: { trace: TraceResult | undefined }) {
  const related = useWorkspace((s) => s.relatedProblems);
  const from = useWorkspace((s) => s.request.from);
  const revealRange = useWorkspace((s) => s.revealRange);
  const names = useMemo(() => namesOf(trace, from), [trace, from]);
  if (related.length === 0) return null;
  return (
    <div className="related-problems">
      <strong>
        {related.length === 1 ? 'A document' : `${related.length} documents`} mentioning {names[0]}{' '}
        {related.length === 1 ? 'has' : 'have'} an error:
      </strong>
      <ul>
        {related.slice(0, 3).map((d) => (
          <li key={`${d.file}:${d.range.start.line}:${d.range.start.column}:${d.code}`}>
            <button type="button" className="link" onClick={() => revealRange(d.file, d.range)}>
              {d.file}:{d.range.start.line}:{d.range.start.column}
            </button>{' '}
            {d.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The answer to "where does my request go": the outcome word, status and flag, and the final cluster. */
export function OutcomeBanner() {
  const trace = useWorkspace((s) => s.trace);
  const computing = useWorkspace((s) => s.computing);
  // Nothing analysed yet: the page has just opened and its first analysis is on its way.
  const starting = useWorkspace((s) => s.analysis === EMPTY_LEAN_ANALYSIS);
  if (!trace) {
    return (
      <div className="outcome idle" role="status" aria-label="Outcome">
        {computing && starting
          ? 'Reading the manifests…'
          : 'Pick a source pod and type a destination to trace a request.'}
        <OverrideBadges />
      </div>
    );
  }
  if (!trace.ok) {
    return (
      <div className="outcome idle" role="status" aria-label="Outcome">
        {trace.reason}
        <OverrideBadges />
        <RelatedProblems trace={trace} />
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
      <OverrideBadges />
      <span className="outcome-why">{outcomeStep ? labelPlaceholders(outcomeStep.detail) : ''}</span>
      <RelatedProblems trace={trace} />
    </div>
  );
}
