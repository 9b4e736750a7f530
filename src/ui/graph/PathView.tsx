import { Fragment, lazy, Suspense, useEffect, useMemo, useRef } from 'react';
import { stepsCausedBy, useWorkspace } from '../../state/store.ts';
import { StepDetails } from '../inspect/StepDetails.tsx';
import { bypassedWaypoint, edgeKinds } from './ambientElements.ts';
import { pathGraphHandle } from './graphHandle.ts';
import { PathEndActions } from './PathEndActions.tsx';
import { BREAK_AFTER, labelPlaceholders, stepKindTitle } from './pathElements.ts';

const PathGraph = lazy(() => import('./PathGraph.tsx'));

/**
 * The traced path as a graph, and beside it the steps as a list (Tab and Enter reach every step) with the selected
 * step's details docked under it: the details never cover the graph.
 */
export function PathView() {
  const trace = useWorkspace((s) => s.trace);
  const selectedStep = useWorkspace((s) => s.selectedStep);
  const hoveredLine = useWorkspace((s) => s.hoveredLine);
  const selectStep = useWorkspace((s) => s.selectStep);
  const revealRange = useWorkspace((s) => s.revealRange);
  const stepSources = useWorkspace((s) => s.stepSources);
  const hoveredSteps = useMemo(() => stepsCausedBy(trace, hoveredLine), [trace, hoveredLine]);
  const listRef = useRef<HTMLOListElement>(null);
  // A step opened from the graph is brought into view in the list, with its details.
  useEffect(() => {
    listRef.current?.querySelector('li.selected')?.scrollIntoView({ block: 'nearest' });
  }, [selectedStep]);
  if (!trace?.ok) {
    return (
      <p className="panel-empty">
        {trace ? trace.reason : 'Pick a source pod and type a destination to see the path.'}
      </p>
    );
  }
  const t = trace.trace;
  // Opening a step also shows the rule or object that decided it in the editor.
  const openStep = (index: number | null) => {
    selectStep(index);
    const first = index !== null ? stepSources[index]?.[0] : undefined;
    if (first) revealRange(first.source.file, first.source.range);
  };
  return (
    <div className="path-view">
      <div className="path-graph-column">
        <div className="graph-toolbar" role="toolbar" aria-label="Path graph">
          <button type="button" onClick={() => pathGraphHandle.fit?.()}>
            Zoom to fit
          </button>
          <button
            type="button"
            disabled={selectedStep === null}
            onClick={() => selectedStep !== null && pathGraphHandle.focusStep?.(selectedStep)}
          >
            Zoom to selection
          </button>
          <span className="graph-hint">Click a step: why, and its YAML · the last: trace back</span>
        </div>
        <EdgeLegend {...edgeKinds(t)} />
        <div className="graph-canvas-wrap" data-testid="path-graph">
          <Suspense fallback={<p className="graph-empty">Drawing the path…</p>}>
            <PathGraph trace={t} selectedStep={selectedStep} hoveredSteps={hoveredSteps} onSelectStep={openStep} />
          </Suspense>
        </div>
      </div>
      <div className="path-steps">
        <ol aria-label="Path steps" ref={listRef}>
          {t.steps.map((step, index) => {
            const selected = selectedStep === index;
            const bypass = bypassedWaypoint(step);
            return (
              <li
                key={`${index}-${step.kind}`}
                data-kind={step.kind}
                onKeyDown={(event) => {
                  // Escape closes the details and gives the focus back to the step.
                  if (event.key !== 'Escape' || !selected) return;
                  openStep(null);
                  event.currentTarget.querySelector<HTMLButtonElement>('button.path-step')?.focus();
                }}
                className={`${selected ? 'selected' : ''}${hoveredSteps.includes(index) ? ' hovered' : ''}`}
              >
                <button
                  type="button"
                  className="path-step"
                  aria-expanded={selected}
                  aria-controls={selected ? 'step-details' : undefined}
                  onClick={() => openStep(selected ? null : index)}
                >
                  <span className="step-number">{index + 1}</span>
                  <span className={`step-kind ${step.kind}`}>{stepKindTitle(step.kind)}</span>
                  <span className="step-title">
                    <Breakable text={labelPlaceholders(step.title)} />
                  </span>
                  {bypass && (
                    <span className="step-bypass-mark">
                      ⚠ waypoint {bypass.waypoint} bypassed: {bypass.why}
                    </span>
                  )}
                  {step.findings && step.findings.length > 0 && (
                    <span className="step-finding-mark" title={step.findings.map((d) => d.code).join(', ')}>
                      ! {step.findings.length} {step.findings.length === 1 ? 'finding' : 'findings'}
                    </span>
                  )}
                </button>
                {selected && <PathEndActions trace={t} index={index} />}
                {selected && <StepDetails trace={t} index={index} />}
              </li>
            );
          })}
        </ol>
      </div>
    </div>
  );
}

/** What the labelled edges mean: the canvas draws them, this says it in words a screen reader reads too. */
function EdgeLegend({ hbone, plaintext }: { hbone: boolean; plaintext: boolean }) {
  if (!hbone && !plaintext) return null;
  return (
    <div className="graph-legend" role="note" aria-label="Edge legend">
      {hbone && (
        <span className="legend-item">
          <span className="legend-line hbone" aria-hidden="true" />
          HBONE :15008 = mTLS tunnel (HTTP/2 CONNECT)
        </span>
      )}
      {plaintext && (
        <span className="legend-item">
          <span className="legend-line plaintext" aria-hidden="true" />
          plaintext: no tunnel, no mTLS
        </span>
      )}
    </div>
  );
}

/** Text that wraps after `.`, `|`, `-` and `/` before it wraps anywhere (names like svc.cluster.local stay whole). */
function Breakable({ text }: { text: string }) {
  const parts = text.split(BREAK_AFTER);
  return (
    <>
      {parts.map((part, index) => (
        <Fragment key={index}>
          {part}
          {index < parts.length - 1 && <wbr />}
        </Fragment>
      ))}
    </>
  );
}
