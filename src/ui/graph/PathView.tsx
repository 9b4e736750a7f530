import { Fragment, lazy, Suspense, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import type { TraceResult } from '../../core/index.ts';
import type { StepSource } from '../../state/stepSources.ts';
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
  const shown = useShownTrace();
  // The path follows a new result in a deferred render: the outcome above it is drawn first, in a task of its own.
  const result = useDeferredValue(shown.trace);
  const resultSources = useDeferredValue(shown.stepSources);
  const stale = shown.stale;
  // The last path drawn stays mounted (hidden) while a request has no path, as while a destination is retyped: the
  // graph is not torn down and built again at the next keystroke.
  const [drawn, setDrawn] = useState(result?.ok ? { trace: result, stepSources: resultSources } : undefined);
  if (result?.ok && (drawn?.trace !== result || drawn.stepSources !== resultSources))
    setDrawn({ trace: result, stepSources: resultSources });
  const { trace, stepSources } = (result?.ok ? { trace: result, stepSources: resultSources } : drawn) ?? {};
  const selectedStep = useWorkspace((s) => s.selectedStep);
  const hoveredLine = useWorkspace((s) => s.hoveredLine);
  const selectStep = useWorkspace((s) => s.selectStep);
  const revealRange = useWorkspace((s) => s.revealRange);
  const hoveredSteps = useMemo(() => stepsCausedBy(trace, hoveredLine), [trace, hoveredLine]);
  const listRef = useRef<HTMLOListElement>(null);
  // A step opened from the graph is brought into view in the list, with its details.
  useEffect(() => {
    listRef.current?.querySelector('li.selected')?.scrollIntoView({ block: 'nearest' });
  }, [selectedStep]);
  const noPath = result?.ok ? undefined : (
    <p className="panel-empty">
      {result ? result.reason : 'Pick a source pod and type a destination to see the path.'}
    </p>
  );
  if (!trace?.ok) return noPath;
  const t = trace.trace;
  // Opening a step also shows the rule or object that decided it in the editor.
  const openStep = (index: number | null) => {
    selectStep(index);
    const first = index !== null ? stepSources?.[index]?.[0] : undefined;
    if (first) revealRange(first.source.file, first.source.range);
  };
  return (
    <>
      {noPath}
      <div className="path-view" aria-busy={stale} style={noPath ? { display: 'none' } : undefined}>
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
    </>
  );
}

/**
 * The trace the path shows, with its steps' sources. A result that arrives for inputs the user has changed since (keys
 * typed while it was traced) is not laid out and drawn: the trace of the newest input follows, and only it is drawn.
 * The Outcome banner shows every result as it comes, marked stale until the newest one.
 */
function useShownTrace(): { trace: TraceResult | undefined; stepSources: StepSource[][]; stale: boolean } {
  const trace = useWorkspace((s) => s.trace);
  const stepSources = useWorkspace((s) => s.stepSources);
  const computing = useWorkspace((s) => s.computing);
  const [kept, setKept] = useState({ trace, stepSources });
  const stale = computing && kept.trace !== undefined;
  // Derived state, updated during render (React's pattern for it): the newest result once it is for the newest input.
  if (!stale && (kept.trace !== trace || kept.stepSources !== stepSources)) setKept({ trace, stepSources });
  return stale ? { ...kept, stale } : { trace, stepSources, stale };
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
