import { memo, useDeferredValue, type ChangeEvent } from 'react';
import { APP_PROTOCOLS, escapeInvisible } from '../../core/index.ts';
import type { PodSummary, SourcePodSummary } from '../../state/leanView.ts';
import { useWorkspace } from '../../state/store.ts';
import { listKey } from '../freshList.ts';
import { DestinationField } from './DestinationField.tsx';

/** Source pod, destination, request details and the mesh settings a user can override for a what-if. */
export function RequestForm() {
  const request = useWorkspace((s) => s.request);
  const options = useWorkspace((s) => s.options);
  const setRequest = useWorkspace((s) => s.setRequest);
  const setOptions = useWorkspace((s) => s.setOptions);
  // Thousands of pods in a large export: their list follows a new analysis in a deferred render, after the outcome.
  const pods = useDeferredValue(useWorkspace((s) => s.analysis.pods));
  const mesh = useWorkspace((s) => s.analysis.mesh);
  const meshSource = mesh.source ?? "Istio's default";
  // The lookup the trace made (in the analysis worker), so the badge and the DNS default describe the pod traced.
  const lookup = useWorkspace((s) => s.source);
  const source = lookup?.pod;
  const dnsFromManifests = (source ? source.dnsCapture : mesh.dnsCapture) ? 'on' : 'off';
  const field = (name: keyof typeof request) => ({
    value: request[name] ?? '',
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) =>
      setRequest({ [name]: event.target.value }, 'typed'),
  });

  return (
    <form id="request" className="request-form" aria-label="Request" onSubmit={(e) => e.preventDefault()}>
      <div className="request-main">
        <label className="field">
          <span>Source pod</span>
          <input
            id="source-pod"
            list="source-pods"
            aria-label="Source pod"
            aria-describedby="source-pod-note"
            placeholder="namespace/pod"
            spellCheck={false}
            {...field('from')}
          />
          <SourcePodList key={listKey(pods)} pods={pods} />
          {source && (
            <span className={`pod-kind ${source.ambient ? 'ambient' : source.proxy}`}>{podKindLabel(source)}</span>
          )}
        </label>
        <div className="field grow">
          <span aria-hidden="true">Destination</span>
          <DestinationField />
        </div>
      </div>
      {lookup && <SourceNote lookup={lookup} onPick={(ref) => setRequest({ from: ref })} />}
      <InvisibleCharacters from={request.from} to={request.to} />
      <details className="request-details">
        <summary>Request details and mesh options</summary>
        <div className="request-grid">
          <label className="field">
            <span>Port</span>
            <input aria-label="Port" inputMode="numeric" placeholder="from the URL or service" {...field('port')} />
          </label>
          <label className="field">
            <span>Protocol</span>
            <select aria-label="Protocol" {...field('protocol')}>
              <option value="">from the URL or service</option>
              {APP_PROTOCOLS.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Method</span>
            <input aria-label="Method" placeholder="GET" {...field('method')} />
          </label>
          <label className="field">
            <span>Path</span>
            <input aria-label="Path" placeholder="from the URL, or /" {...field('path')} />
          </label>
          <label className="field">
            <span>SNI</span>
            <input aria-label="SNI" placeholder="the host, for TLS" {...field('sni')} />
          </label>
          <label className="field">
            <span>Connect to</span>
            <input aria-label="Connect to" placeholder="an IP, instead of DNS" {...field('address')} />
          </label>
          <label className="field wide">
            <span>Headers</span>
            <textarea
              aria-label="Headers"
              rows={2}
              placeholder="end-user: jason"
              spellCheck={false}
              {...field('headers')}
            />
          </label>
          <label className="field">
            <span>Outbound traffic policy</span>
            <select
              aria-label="Outbound traffic policy"
              value={options.outboundTrafficPolicy}
              onChange={(e) =>
                setOptions({ outboundTrafficPolicy: e.target.value as typeof options.outboundTrafficPolicy })
              }
            >
              <option value="manifests">
                as the manifests say: {mesh.outboundTrafficPolicy} ({meshSource})
              </option>
              <option value="ALLOW_ANY">ALLOW_ANY</option>
              <option value="REGISTRY_ONLY">REGISTRY_ONLY</option>
              <option value="ALLOW_ANY_DYNAMIC_DNS">ALLOW_ANY_DYNAMIC_DNS</option>
            </select>
          </label>
          <label className="field">
            <span>DNS capture</span>
            <select
              aria-label="DNS capture"
              value={options.dnsCapture}
              onChange={(e) => setOptions({ dnsCapture: e.target.value as typeof options.dnsCapture })}
            >
              <option value="manifests">as the manifests say: {dnsFromManifests}</option>
              <option value="on">on (istio-agent DNS proxy)</option>
              <option value="off">off (kube-dns)</option>
            </select>
          </label>
        </div>
      </details>
    </form>
  );
}

/** Which pod a source reference was taken for, or the pods to pick from when several workloads fit. */
function SourceNote({ lookup, onPick }: { lookup: SourcePodSummary; onPick: (ref: string) => void }) {
  if (lookup.choices.length > 1) {
    return (
      <div id="source-pod-note" className="source-note choices" role="group" aria-label="Source pods that fit">
        <span>{escapeInvisible(lookup.note ?? '')}:</span>
        {lookup.choices.slice(0, 12).map((ref) => (
          <button key={ref} type="button" className="chip" onClick={() => onPick(ref)}>
            {escapeInvisible(ref)}
          </button>
        ))}
      </div>
    );
  }
  if (!lookup.note) return null;
  return (
    <p id="source-pod-note" className="source-note" role="note">
      {escapeInvisible(lookup.note)}.
    </p>
  );
}

/**
 * A field that holds a bidi control or a zero-width character shows it as typed, which is to say not at all (or the
 * text turned around): this line writes such a source or destination out (`\u202E`), as every message does.
 */
function InvisibleCharacters({ from, to }: { from: string; to: string }) {
  const shown = [
    ...(escapeInvisible(from) !== from ? [`Source pod ${escapeInvisible(from)}`] : []),
    ...(escapeInvisible(to) !== to ? [`Destination ${escapeInvisible(to)}`] : []),
  ];
  if (shown.length === 0) return null;
  return (
    <p className="source-note invisible-characters" role="note" aria-label="Invisible characters">
      Invisible characters, written out: {shown.join(' · ')}
    </p>
  );
}

/** What carries a pod's traffic, in the words of the source pod field. */
function podKindLabel(pod: { proxy: string; ambient: boolean }): string {
  if (pod.ambient) return 'ambient';
  return pod.proxy === 'none' ? 'no sidecar' : pod.proxy;
}

/** The pods to pick from; drawn again only when the pods change, not on every keystroke in the form. */
const SourcePodList = memo(function SourcePodList({ pods }: { pods: readonly PodSummary[] }) {
  return (
    <datalist id="source-pods">
      {pods.map((p) => (
        // The value is the name as written (what the field needs); the label writes out invisible characters in it.
        <option key={p.ref} value={p.ref}>
          {escapeInvisible(p.ref) !== p.ref ? `${escapeInvisible(p.ref)} · ` : ''}
          {podKindLabel(p)}
          {p.assumed ? ' (from template)' : ''}
        </option>
      ))}
    </datalist>
  );
});
