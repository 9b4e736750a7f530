import { useEffect, useRef } from 'react';
import type { RequestDiff } from '../../core/index.ts';
import { usePathTools } from '../../state/pathTools.ts';
import type { StepLine } from '../../state/pathToolsSession.ts';
import { useWorkspace } from '../../state/store.ts';
import { labelPlaceholders, stepKindTitle } from '../graph/pathElements.ts';
import { CompareChoices } from './CompareChoices.tsx';

type Summary = RequestDiff['before'];

function describe(summary: Summary): string {
  if ('error' in summary) return `not traced: ${summary.error}`;
  const status = summary.status !== null ? ` ${summary.status}` : '';
  const flags = summary.responseFlags !== '-' && summary.responseFlags !== '' ? ` ${summary.responseFlags}` : '';
  return `${summary.outcome}${status}${flags}${summary.cluster ? ` via ${summary.cluster}` : ''}`;
}

function Steps({
  steps,
  divergence,
  side,
}: {
  steps: StepLine[] | string;
  divergence: number | undefined;
  side: string;
}) {
  if (typeof steps === 'string') return <p className="compare-untraced">Not traced: {steps}</p>;
  return (
    <ol className="compare-steps" aria-label={`Path in ${side}`}>
      {steps.map((step, index) => {
        const number = index + 1;
        const state =
          divergence === undefined || number < divergence ? 'same' : number === divergence ? 'diverges' : 'after';
        return (
          <li
            key={index}
            className={`compare-step ${state}`}
            aria-current={state === 'diverges' ? 'step' : undefined}
            data-kind={step.kind}
          >
            <span className="compare-step-head">
              <span className="compare-step-number">{number}</span>
              <span className="compare-step-kind">{stepKindTitle(step.kind)}</span>
              {state === 'diverges' && <span className="compare-badge">the paths part here</span>}
            </span>
            <span className="compare-step-title">{step.title}</span>
            {state !== 'same' && <span className="compare-step-detail">{labelPlaceholders(step.detail)}</span>}
          </li>
        );
      })}
      {divergence !== undefined && divergence > steps.length && (
        <li className="compare-step diverges" aria-current="step">
          <span className="compare-step-head">
            <span className="compare-step-number">{divergence}</span>
            <span className="compare-badge">the path had already ended</span>
          </span>
        </li>
      )}
    </ol>
  );
}

/**
 * The Compare tab: the current request traced in another workspace (before) and in this one (now), side by side (or
 * one above the other when narrow), the first step where they part highlighted, and the objects that differ there.
 */
export function CompareView() {
  const compare = usePathTools((s) => s.compare);
  const stopComparing = usePathTools((s) => s.stopComparing);
  const revealRange = useWorkspace((s) => s.revealRange);
  const files = useWorkspace((s) => s.files);
  const ref = useRef<HTMLDivElement>(null);
  const result = compare?.result;
  // Bring the first difference into view when a comparison arrives: a third of the way down the two paths, so the
  // steps before it show too (only the paths scroll, never the page).
  useEffect(() => {
    const columns = ref.current?.querySelector<HTMLElement>('.compare-columns');
    const step = columns?.querySelector<HTMLElement>('.compare-step.diverges');
    if (!columns || !step) return;
    const offset = step.getBoundingClientRect().top - columns.getBoundingClientRect().top + columns.scrollTop;
    columns.scrollTop = Math.max(0, offset - columns.clientHeight / 3);
  }, [result]);

  if (!compare) {
    return (
      <section className="compare-view" aria-label="Comparison">
        <div className="compare-intro">
          <h2>Compare this request in two versions of the manifests</h2>
          <p>
            Choose what to compare this workspace with. The request in the form is traced in both; the first step where
            the two paths part is highlighted, with the objects that differ there — what <code>meshpath diff</code>{' '}
            tells a reviewer in CI.
          </p>
          <ul className="compare-choices">
            <CompareChoices autoFocus={false} onChosen={() => undefined} />
          </ul>
        </div>
      </section>
    );
  }
  const diff = result?.diff;
  const divergence = diff?.divergence;
  const computing = compare.job !== undefined && !result && !compare.error;
  const open = new Set(files.map((f) => f.name));
  return (
    <section className="compare-view" aria-label="Comparison" ref={ref}>
      <div className="compare-header">
        <p>
          This request in <strong>{compare.target.label}</strong> (before) and in <strong>this workspace</strong> (now).
        </p>
        <button type="button" onClick={stopComparing}>
          Stop comparing
        </button>
      </div>
      {compare.error && (
        <p className="path-tools-problem" role="alert">
          {compare.error}
        </p>
      )}
      {computing && <p className="compare-computing">Tracing the request in both…</p>}
      {diff && (
        <>
          <div
            className={`compare-verdict ${diff.changed ? 'changed' : 'same'}`}
            role="status"
            aria-label="Comparison result"
          >
            <strong>
              {diff.changed
                ? divergence
                  ? `The paths part at step ${divergence.step}.`
                  : 'The result changes.'
                : 'Same result in both.'}
            </strong>{' '}
            <span>
              Before: <code>{describe(diff.before)}</code> · Now: <code>{describe(diff.after)}</code>
            </span>
          </div>
          {divergence && divergence.objects.length > 0 && (
            <div className="compare-objects">
              <strong>Objects that differ there:</strong>
              <ul aria-label="Changed objects">
                {divergence.objects.map((o) => {
                  const name = `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
                  const here = o.change !== 'removed' && open.has(o.file);
                  return (
                    <li key={`${o.kind}|${o.namespace ?? ''}|${o.name}`}>
                      <span className={`compare-change ${o.change}`}>{o.change}</span>{' '}
                      {here ? (
                        <button
                          type="button"
                          className="link"
                          onClick={() =>
                            revealRange(o.file, {
                              start: { line: o.line, column: 1 },
                              end: { line: o.line, column: 1 },
                            })
                          }
                        >
                          {name} ({o.file}:{o.line})
                        </button>
                      ) : (
                        <span>
                          {name} (only before, {o.file}:{o.line})
                        </span>
                      )}
                    </li>
                  );
                })}
              </ul>
            </div>
          )}
          {result && (
            <div className="compare-columns">
              <div className="compare-column">
                <h3>Before · {compare.target.label}</h3>
                <Steps steps={result.before} divergence={divergence?.step} side="the workspace before" />
              </div>
              <div className="compare-column">
                <h3>Now · this workspace</h3>
                <Steps steps={result.after} divergence={divergence?.step} side="this workspace" />
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}
