import { useWorkspace } from '../../state/store.ts';
import { CompareMenu } from './CompareMenu.tsx';
import { SaveAsTest } from './SaveAsTest.tsx';
import { IntendedClusterToggle } from './WhyNotPanel.tsx';
import './pathTools.css';

/**
 * Beside a traced outcome (outside its live region, so that a new outcome is announced without them): keep it as a
 * test, compare it with another version of the manifests, or ask why it did not reach the cluster the user meant.
 */
export function OutcomeActions() {
  const traced = useWorkspace((s) => s.trace?.ok === true);
  if (!traced) return null;
  return (
    <div className="outcome-actions" role="group" aria-label="Test and compare this request">
      <SaveAsTest />
      <CompareMenu />
      <IntendedClusterToggle />
    </div>
  );
}
