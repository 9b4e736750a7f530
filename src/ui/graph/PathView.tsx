import { lazy, Suspense, useMemo } from 'react';
import { stepsCausedBy, useWorkspace } from '../../state/store.ts';
import { StepDetails } from '../inspect/StepDetails.tsx';

const PathGraph = lazy(() => import('./PathGraph.tsx'));

/** The traced path as a graph, the steps as a list a screen reader can read, and the selected step's details. */
export function PathView() {
  const trace = useWorkspace((s) => s.trace);
  const selectedStep = useWorkspace((s) => s.selectedStep);
  const hoveredLine = useWorkspace((s) => s.hoveredLine);
  const selectStep = useWorkspace((s) => s.selectStep);
  const hoveredSteps = useMemo(() => stepsCausedBy(trace, hoveredLine), [trace, hoveredLine]);
  if (!trace?.ok) {
    return (
      <p className="panel-empty">
        {trace ? trace.reason : 'Pick a source pod and type a destination to see the path.'}
      </p>
    );
  }
  const t = trace.trace;
  return (
    <div className="path-view">
      <div className="graph-canvas-wrap" data-testid="path-graph">
        <Suspense fallback={<p className="graph-empty">Drawing the path…</p>}>
          <PathGraph trace={t} selectedStep={selectedStep} hoveredSteps={hoveredSteps} onSelectStep={selectStep} />
        </Suspense>
      </div>
      {selectedStep !== null && <StepDetails trace={t} index={selectedStep} />}
      <ol className="visually-hidden" aria-label="Path steps">
        {t.steps.map((step, index) => (
          <li key={`${index}-${step.kind}`}>
            <button type="button" onClick={() => selectStep(index)}>
              {step.kind}: {step.title}
            </button>
          </li>
        ))}
      </ol>
    </div>
  );
}
