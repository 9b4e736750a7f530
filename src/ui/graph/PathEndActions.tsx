import { directDestination, escapeInvisible, type Trace } from '../../core/index.ts';
import { useWorkspace } from '../../state/store.ts';

/** What a new destination or source replaces: the old destination's port, protocol, path, SNI and address. */
const CLEARED = { port: '', protocol: '', path: '', sni: '', address: '' };

/**
 * Requests made from the path itself: at the destination, the same request the other way round (Trace back from
 * here); at an endpoint, the same request sent straight to one of the pods (Trace to this pod directly).
 */
export function PathEndActions({ trace, index }: { trace: Trace; index: number }) {
  const reverse = useWorkspace((s) => s.reverse);
  const setRequest = useWorkspace((s) => s.setRequest);
  const step = trace.steps[index];
  if (step?.kind === 'outcome') {
    return (
      <div className="path-actions" role="group" aria-label="From the destination">
        {reverse?.ok ? (
          <>
            <button type="button" onClick={() => setRequest({ ...CLEARED, from: reverse.from, to: reverse.to })}>
              ⇄ Trace back from here
            </button>
            <span>
              {reverse.from} → {reverse.to} ({reverse.note})
            </span>
          </>
        ) : (
          <span>No trace back: {reverse?.reason ?? 'the request has no destination pod.'}</span>
        )}
      </div>
    );
  }
  if (step?.kind !== 'endpoint') return null;
  const hop = step.hop !== undefined ? trace.hops[step.hop] : undefined;
  const endpoints =
    step.endpoints && step.endpoints.length > 0
      ? [...step.endpoints].sort((a, b) => Number(b.state === 'chosen') - Number(a.state === 'chosen'))
      : hop?.endpoint
        ? [{ address: hop.endpoint, state: 'chosen' as const, pod: undefined }]
        : [];
  if (endpoints.length === 0) return null;
  return (
    <div className="path-actions" role="group" aria-label="From the endpoint">
      <span>Trace to this pod directly:</span>
      {endpoints.slice(0, 6).map((e) => {
        const what = `${e.address}${e.state === 'chosen' ? ', the one chosen' : ''}`;
        return (
          <button
            key={e.address}
            type="button"
            className="chip"
            aria-label={`Trace to ${escapeInvisible(e.pod ?? 'this pod')} directly (${what})`}
            onClick={() => setRequest({ ...CLEARED, to: directDestination(trace.request, e.address) })}
          >
            {escapeInvisible(e.pod ?? e.address)} ({what})
          </button>
        );
      })}
    </div>
  );
}
