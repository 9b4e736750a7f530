import { lazy, Suspense, useMemo } from 'react';
import { useWorkspace } from '../../state/store.ts';

const MeshGraph = lazy(() => import('./MeshGraph.tsx'));

/** The mesh view, a summary a screen reader can read, and the details of the selected object. */
export function MeshView() {
  const analysis = useWorkspace((s) => s.analysis);
  const selectedId = useWorkspace((s) => s.selectedNodeId);
  const selectNode = useWorkspace((s) => s.selectNode);
  const revealRange = useWorkspace((s) => s.revealRange);
  const { objectGraph, objects } = analysis;

  const selected = useMemo(() => objectGraph.nodes.find((n) => n.id === selectedId), [objectGraph, selectedId]);
  const selectedObject = selected?.objectIndex !== undefined ? objects[selected.objectIndex] : undefined;
  const relations = useMemo(
    () => (selected ? objectGraph.edges.filter((e) => e.source === selected.id || e.target === selected.id) : []),
    [objectGraph, selected],
  );
  const namespaces = objectGraph.nodes.filter((n) => n.kind === 'Namespace').length;
  const trace = useWorkspace((s) => s.trace);
  // Objects the traced path went through, to highlight in the mesh.
  const onPath = useMemo(() => {
    if (!trace?.ok) return new Set<string>();
    return new Set(
      trace.trace.steps.flatMap((step) => step.sources.map((s) => `${s.kind}/${s.namespace ?? ''}/${s.name}`)),
    );
  }, [trace]);

  const handleSelect = (id: string | null) => {
    selectNode(id);
    const node = objectGraph.nodes.find((n) => n.id === id);
    const object = node?.objectIndex !== undefined ? objects[node.objectIndex] : undefined;
    if (object) revealRange(object.file, object.range);
  };

  return (
    <section className="mesh-view" aria-label="Mesh">
      <p className="graph-summary" role="status" aria-label="Mesh summary">
        {objects.length} objects read · {objectGraph.nodes.length - namespaces} drawn in {namespaces} namespaces ·{' '}
        {objectGraph.edges.length} references
      </p>
      <div className="graph-canvas-wrap" data-testid="graph">
        {objectGraph.nodes.length === 0 ? (
          <p className="graph-empty">
            No Kubernetes or Istio objects yet: paste manifests on the left, upload files, or open an example.
          </p>
        ) : (
          <Suspense fallback={<p className="graph-empty">Drawing the mesh…</p>}>
            <MeshGraph graph={objectGraph} selectedId={selectedId} onSelect={handleSelect} highlighted={onPath} />
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
          {selectedObject && (
            <button
              type="button"
              className="link"
              onClick={() => revealRange(selectedObject.file, selectedObject.range)}
            >
              {selectedObject.file}:{selectedObject.range.start.line}–{selectedObject.range.end.line}
            </button>
          )}
          {selectedObject?.namespaceAssumed && (
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
        {objectGraph.nodes.map((node) => (
          <li key={node.id} data-node-id={node.id}>
            {node.kind} {node.namespace ? `${node.namespace}/` : ''}
            {node.name}
          </li>
        ))}
      </ul>
    </section>
  );
}
