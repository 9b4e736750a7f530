import { useEffect, useState } from 'react';

const TOUR_KEY = 'meshpath.tour.v1';

/** Each step names a part of the page and points at it (an outline on the element `target` selects). */
const STEPS = [
  {
    text:
      'The scenario’s manifests are on the left: edit them, paste your own, or upload files. ' +
      'Problems appear at their line.',
    target: '.editor-pane',
  },
  {
    text:
      'Pick the Source pod (a pod, workload or app name) and type a Destination as your application would. ' +
      'The outcome and the path follow as you type.',
    target: '#request',
  },
  {
    text:
      'Click any node of the path, or a step in the list beside it, to see what Envoy matched and why, ' +
      'the access-log line, and the YAML behind it. The Examples menu has more scenarios.',
    target: '.path-view',
  },
];

/** Someone who opens a shared link or an example link came for that scenario, not for a tour. */
const OPENED_WITH_LINK = typeof window !== 'undefined' && /^#(v\d|example=|%)/.test(window.location.hash);

function dismissed(): boolean {
  try {
    return window.localStorage.getItem(TOUR_KEY) === 'done';
  } catch {
    return true;
  }
}

/** A short guided tour for a first visit; dismissed once, it stays dismissed. */
export function TourBar() {
  const [step, setStep] = useState(() => (OPENED_WITH_LINK || dismissed() ? -1 : 0));
  const target = step >= 0 ? STEPS[step]?.target : undefined;
  useEffect(() => {
    if (!target) return;
    const element = document.querySelector(target);
    element?.classList.add('tour-target');
    return () => element?.classList.remove('tour-target');
  }, [target]);
  if (step < 0) return null;
  const finish = () => {
    try {
      window.localStorage.setItem(TOUR_KEY, 'done');
    } catch {
      // Storage disabled: the tour comes back next time, which is harmless.
    }
    setStep(-1);
  };
  return (
    <div className="tour" role="region" aria-label="Guided tour">
      <span className="tour-step">
        {step + 1}/{STEPS.length}
      </span>
      <span>{STEPS[step]?.text}</span>
      {step < STEPS.length - 1 ? (
        <button type="button" onClick={() => setStep(step + 1)}>
          Next
        </button>
      ) : (
        <button type="button" onClick={finish}>
          Done
        </button>
      )}
      <button type="button" onClick={finish}>
        Skip tour
      </button>
    </div>
  );
}
