import { useState } from 'react';

const TOUR_KEY = 'meshpath.tour.v1';

const STEPS = [
  'The scenario’s manifests are on the left: edit them, paste your own, or upload files. Problems appear at their line.',
  'Above the path: pick the Source pod and type a Destination as your application would. The outcome and the path follow as you type.',
  'Click any node of the path to see what Envoy matched and why, the access-log line, and the YAML behind it. The Examples menu has more scenarios.',
];

function dismissed(): boolean {
  try {
    return window.localStorage.getItem(TOUR_KEY) === 'done';
  } catch {
    return true;
  }
}

/** A short guided tour for a first visit; dismissed once, it stays dismissed. */
export function TourBar() {
  const [step, setStep] = useState(() => (dismissed() ? -1 : 0));
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
      <span>{STEPS[step]}</span>
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
