import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { placeOf } from '../../state/leanView.ts';
import { useWorkspace } from '../../state/store.ts';
import { MAX_SHOWN, meshViewElements } from './meshElements.ts';

const MeshGraph = lazy(() => import('./MeshGraph.tsx'));

const objectName = (node: { namespace: string | undefined; name: string } | undefined) =>
  node && (node.namespace ? `${node.namespace}/${node.name}` : node.name);

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

/**
 * The mesh view, a summary a screen reader can read, and the details of the selected object. A large mesh opens as
 * an overview of namespaces; a click opens one, a search or "only on the path" draws just what they find.
 */
export function MeshView() {
  const graph = useWorkspace((s) => s.analysis.graph);
  const places = useWorkspace((s) => s.analysis.places);
  const objectCount = useWorkspace((s) => s.analysis.objectCount);
  const selectedId = useWorkspace((s) => s.selectedNodeId);
  const selectNode = useWorkspace((s) => s.selectNode);
  const revealRange = useWorkspace((s) => s.revealRange);
  const trace = useWorkspace((s) => s.trace);
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

  const handleSelect = (id: string | null) => {
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
          {view.overview && expanded.size > 0 && (
            <button type="button" onClick={() => setExpanded(new Set())}>
              Collapse all namespaces
            </button>
          )}
        </div>
      )}
      <div className="graph-canvas-wrap" data-testid="graph">
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
            <MeshGraph view={view} focusId={focusId} selectedId={selectedId} onSelect={handleSelect} />
          </Suspense>
        )}
      </div>
      {selected && (
        <aside className="node-details" aria-label="Selected object">
          <h2>
            {selected.kind}{' '}
            <code>
              {selected.namespace ? `${selected.namespace}/` : ''}
              {selected.name}
            </code>
          </h2>
          {selectedPlace && (
            <button type="button" className="link" onClick={() => revealRange(selectedPlace.file, selectedPlace.range)}>
              {selectedPlace.file}:{selectedPlace.range.start.line}–{selectedPlace.range.end.line}
            </button>
          )}
          {view.overview && expanded.has(selected.id) && (
            <button type="button" onClick={() => collapse(selected.id)}>
              Collapse {selected.name}
            </button>
          )}
          {selected.namespaceAssumed && (
            <p className="assumption">No metadata.namespace: assumed “default”, as kubectl does.</p>
          )}
          <ul>
            {relations.map((edge) => (
              <li key={edge.id}>
                {edge.source === selected.id
                  ? `${edge.relation} → ${edge.target}`
                  : `← ${edge.relation} by ${edge.source}`}{' '}
                <span className="via">({edge.via})</span>
              </li>
            ))}
          </ul>
        </aside>
      )}
      <ul className="visually-hidden" aria-label="Mesh objects" data-testid="mesh-objects">
        {view.nodes.map((node) => (
          <li key={node.id} data-node-id={node.id}>
            {node.collapsed
              ? `Namespace ${node.label.replace('\n', ': ')}`
              : `${node.kind} ${objectName(byId.get(node.id)) ?? node.id}`}
          </li>
        ))}
      </ul>
    </section>
  );
}
