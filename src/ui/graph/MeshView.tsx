import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { escapeInvisible, type DestinationEnd, type SourceEnd } from '../../core/index.ts';
import { placeOf } from '../../state/leanView.ts';
import { useWorkspace } from '../../state/store.ts';
import { arrivesElsewhere, endsByObject, namespaceOf, portLabel, requestTo } from '../request/clickTrace.ts';
import type { EndMarks } from './MeshGraph.tsx';
import { MAX_SHOWN, meshViewElements } from './meshElements.ts';

const MeshGraph = lazy(() => import('./MeshGraph.tsx'));

// Names as the user wrote them, with any bidi control or zero-width character written out (`\u202E`).
const objectName = (node: { namespace: string | undefined; name: string } | undefined) =>
  node && escapeInvisible(node.namespace ? `${node.namespace}/${node.name}` : node.name);

/** How long the search waits for the user to stop typing before it draws again. */
const SEARCH_DELAY_MS = 200;

function useDebounced<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

/** The destination a trace went to, among the ends the mesh knows (a short name counts in its own namespace only). */
function tracedDestination(
  byName: ReadonlyMap<string, DestinationEnd[]>,
  host: string,
  sourceNamespace: string | undefined,
): DestinationEnd | undefined {
  return byName
    .get(host)
    ?.find((end) => end.kind !== 'Service' || end.names[0] !== host || end.namespace === sourceNamespace);
}

/**
 * The mesh view, a summary a screen reader can read, and the details of the selected object. A large mesh opens as
 * an overview of namespaces; a click opens one, a search or "only on the path" draws just what they find. A request
 * can be made here: "Trace from here" on a pod or workload, then a click on a Service or host (or its "Trace to
 * here"); both ends stay marked. `onTraced` shows the path once a click made a request.
 */
export function MeshView({ onTraced }: { onTraced?: () => void } = {}) {
  const graph = useWorkspace((s) => s.analysis.graph);
  const places = useWorkspace((s) => s.analysis.places);
  const objectCount = useWorkspace((s) => s.analysis.objectCount);
  const selectedId = useWorkspace((s) => s.selectedNodeId);
  const selectNode = useWorkspace((s) => s.selectNode);
  const revealRange = useWorkspace((s) => s.revealRange);
  const trace = useWorkspace((s) => s.trace);
  const ends = useWorkspace((s) => s.analysis.ends);
  const requestFrom = useWorkspace((s) => s.request.from);
  const sourceRef = useWorkspace((s) => s.source?.pod?.ref);
  const setRequest = useWorkspace((s) => s.setRequest);
  /** Set after "Trace from here": the pod the next destination click traces from. */
  const [pick, setPick] = useState<SourceEnd | null>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const [searchText, setSearchText] = useState('');
  const search = useDebounced(searchText, SEARCH_DELAY_MS);
  const [onPathOnly, setOnPathOnly] = useState(false);
  const [focusId, setFocusId] = useState<string | null>(null);

  // Objects the traced path went through, to highlight in the mesh.
  const onPath = useMemo(() => {
    if (!trace?.ok) return new Set<string>();
    return new Set(
      trace.trace.steps.flatMap((step) => step.sources.map((s) => `${s.kind}/${s.namespace ?? ''}/${s.name}`)),
    );
  }, [trace]);
  const view = useMemo(
    () => meshViewElements(graph, { expanded, search, onPath, onPathOnly }),
    [graph, expanded, search, onPath, onPathOnly],
  );
  const byId = useMemo(() => new Map(graph.nodes.map((n) => [n.id, n])), [graph]);
  const indexOf = useMemo(() => new Map(graph.nodes.map((n, i) => [n.id, i])), [graph]);
  const placeOfId = (id: string) => {
    const index = indexOf.get(id);
    return index === undefined ? undefined : placeOf(places, index);
  };
  const selected = selectedId ? byId.get(selectedId) : undefined;
  const selectedPlace = selected ? placeOfId(selected.id) : undefined;
  const relations = useMemo(
    () => (selected ? graph.edges.filter((e) => e.source === selected.id || e.target === selected.id) : []),
    [graph, selected],
  );
  const namespaces = useMemo(() => graph.nodes.filter((n) => n.kind === 'Namespace').length, [graph]);

  // Which node stands for which pod or host, and which nodes the traced request's two ends are.
  const sourcesByObject = useMemo(() => endsByObject(ends.sources), [ends]);
  const destinationsByObject = useMemo(() => endsByObject(ends.destinations), [ends]);
  const destinationsByName = useMemo(() => {
    const map = new Map<string, DestinationEnd[]>();
    for (const end of ends.destinations)
      for (const name of end.names) (map.get(name) ?? map.set(name, []).get(name))?.push(end);
    return map;
  }, [ends]);
  const from = pick?.ref ?? requestFrom;
  const fromPod = pick?.pod ?? sourceRef;
  const marks = useMemo<EndMarks>(() => {
    const drawn = new Set(view.nodes.map((n) => n.id));
    // An end inside a closed namespace marks that namespace's box.
    const shown = (ids: readonly string[]) =>
      new Set(ids.map((id) => (drawn.has(id) ? id : (byId.get(id)?.parent ?? id))).filter((id) => drawn.has(id)));
    const sourcePod = pick?.pod ?? (trace?.ok ? sourceRef : undefined);
    const source = ends.sources.find((s) => s.pod === sourcePod);
    const reached = trace?.ok ? trace.trace.hops.at(-1) : undefined;
    const destination =
      !pick && trace?.ok
        ? (tracedDestination(destinationsByName, trace.trace.request.host, namespaceOf(sourceRef))?.objects ??
          (reached?.direction === 'inbound' ? ends.sources.find((s) => s.pod === reached.proxy)?.objects : undefined))
        : undefined;
    return {
      source: shown(source?.objects ?? []),
      destination: shown(destination ?? []),
      targets: pick ? shown([...destinationsByObject.keys()]) : undefined,
    };
  }, [view, byId, pick, trace, sourceRef, ends, destinationsByName, destinationsByObject]);

  // Escape leaves the pick-a-destination mode.
  useEffect(() => {
    if (!pick) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setPick(null);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [pick]);

  const traceTo = (end: DestinationEnd, port: number | undefined) => {
    setRequest(requestTo(end, port, from, fromPod));
    setPick(null);
    onTraced?.();
  };
  const traceFrom = (source: SourceEnd) => {
    setPick(source);
    selectNode(null);
  };
  /** One button per port (a host with several ports asks which). */
  const traceToButtons = (id: string) =>
    (destinationsByObject.get(id) ?? []).flatMap((end) =>
      (end.ports.length > 0 ? end.ports.map((p) => p.port) : [undefined]).map((port) => (
        <button
          key={`${end.names.at(-1) ?? ''}:${port ?? ''}`}
          type="button"
          className="trace-to"
          onClick={() => traceTo(end, port)}
        >
          Trace to {escapeInvisible(portLabel(end, port, from))}
          {arrivesElsewhere(end, fromPod) ? `, arriving at ${escapeInvisible(end.gatewaySource ?? '')}` : ''}
        </button>
      )),
    );
  const traceFromButton = (id: string) => {
    const source = sourcesByObject.get(id)?.[0];
    return source ? (
      <button
        type="button"
        className="trace-from"
        aria-label={`Trace from here: pod ${escapeInvisible(source.pod)}`}
        title={`Trace from pod ${escapeInvisible(source.pod)}`}
        onClick={() => traceFrom(source)}
      >
        Trace from here
      </button>
    ) : null;
  };

  const handleSelect = (id: string | null) => {
    // In the pick-a-destination mode, a click on a host with one port traces to it at once.
    const targets = id && pick ? (destinationsByObject.get(id) ?? []) : [];
    const only = targets.length === 1 && (targets[0]?.ports.length ?? 0) <= 1 ? targets[0] : undefined;
    if (only) {
      traceTo(only, only.ports[0]?.port);
      selectNode(id);
      return;
    }
    selectNode(id);
    const node = id ? byId.get(id) : undefined;
    if (!node) return;
    if (view.overview && node.kind === 'Namespace' && !expanded.has(node.id)) {
      setExpanded(new Set([...expanded, node.id]));
      setFocusId(node.id);
    }
    const place = placeOfId(node.id);
    if (place) revealRange(place.file, place.range);
  };
  const collapse = (id: string) => setExpanded(new Set([...expanded].filter((e) => e !== id)));

  const filtered = search.trim() !== '' || onPathOnly;
  return (
    <section className="mesh-view" aria-label="Mesh">
      <p className="graph-summary" role="status" aria-label="Mesh summary">
        {objectCount} objects read · {graph.nodes.length - namespaces} drawn in {namespaces} namespaces ·{' '}
        {graph.edges.length} references
        {view.overview && ' · overview: click a namespace to open it'}
        {filtered &&
          ` · ${view.found} found` +
            (view.truncated ? `, the first ${MAX_SHOWN} drawn: narrow the search to see the others` : '')}
      </p>
      {graph.nodes.length > 0 && (
        <div className="mesh-toolbar">
          <input
            type="search"
            aria-label="Search the mesh"
            placeholder="Search: kind, namespace or name…"
            spellCheck={false}
            value={searchText}
            onChange={(e) => setSearchText(e.target.value)}
          />
          <label>
            <input type="checkbox" checked={onPathOnly} onChange={(e) => setOnPathOnly(e.target.checked)} /> Only what
            the path uses
          </label>
          {!pick && <span className="graph-hint">To trace by clicks: a pod or workload, then Trace from here</span>}
          {view.overview && expanded.size > 0 && (
            <button type="button" onClick={() => setExpanded(new Set())}>
              Collapse all namespaces
            </button>
          )}
        </div>
      )}
      <div className="graph-canvas-wrap" data-testid="graph">
        {pick && (
          <div className="pick-bar" role="status" aria-label="Picking a destination">
            <span>
              From <strong>{pick.ref}</strong>: click a Service or host (dashed outline) to trace to it.
              {selected &&
                !destinationsByObject.has(selected.id) &&
                ` ${selected.kind} ${escapeInvisible(selected.name)} is not one.`}
            </span>
            <button type="button" onClick={() => setPick(null)}>
              Cancel (Esc)
            </button>
          </div>
        )}

        {graph.nodes.length === 0 ? (
          <p className="graph-empty">
            No Kubernetes or Istio objects yet: paste manifests on the left, upload files, or open an example.
          </p>
        ) : filtered && view.nodes.length === 0 ? (
          <p className="graph-empty">
            {onPathOnly && !trace?.ok
              ? 'No traced path yet: pick a source pod and a destination.'
              : 'Nothing in the mesh matches.'}
          </p>
        ) : (
          <Suspense fallback={<p className="graph-empty">Drawing the mesh…</p>}>
            <MeshGraph view={view} focusId={focusId} selectedId={selectedId} marks={marks} onSelect={handleSelect} />
          </Suspense>
        )}
      </div>
      {selected && (
        <aside className="node-details" aria-label="Selected object">
          <h2>
            {selected.kind} <code>{objectName(selected)}</code>
          </h2>
          {selectedPlace && (
            <button type="button" className="link" onClick={() => revealRange(selectedPlace.file, selectedPlace.range)}>
              {selectedPlace.file}:{selectedPlace.range.start.line}–{selectedPlace.range.end.line}
            </button>
          )}
          {view.overview && expanded.has(selected.id) && (
            <button type="button" onClick={() => collapse(selected.id)}>
              Collapse {escapeInvisible(selected.name)}
            </button>
          )}
          {(sourcesByObject.has(selected.id) || destinationsByObject.has(selected.id)) && (
            <div className="node-actions" role="group" aria-label="Trace">
              {traceFromButton(selected.id)}
              {traceToButtons(selected.id)}
            </div>
          )}
          {selected.namespaceAssumed && (
            <p className="assumption">No metadata.namespace: assumed “default”, as kubectl does.</p>
          )}
          <ul>
            {relations.map((edge) => (
              <li key={edge.id}>
                {edge.source === selected.id
                  ? `${edge.relation} → ${escapeInvisible(edge.target)}`
                  : `← ${edge.relation} by ${escapeInvisible(edge.source)}`}{' '}
                <span className="via">({edge.via})</span>
              </li>
            ))}
          </ul>
        </aside>
      )}
      <ul className="mesh-objects" aria-label="Mesh objects" data-testid="mesh-objects">
        {view.nodes.map((node) => (
          <li key={node.id} data-node-id={node.id}>
            <button type="button" className="link" onClick={() => handleSelect(node.id)}>
              {node.collapsed
                ? `Namespace ${node.label.replace('\n', ': ')}`
                : `${node.kind} ${objectName(byId.get(node.id)) ?? node.id}`}
            </button>
            {marks.source.has(node.id) && ' (source)'}
            {marks.destination.has(node.id) && ' (destination)'} {traceFromButton(node.id)}
            {traceToButtons(node.id)}
          </li>
        ))}
      </ul>
    </section>
  );
}
