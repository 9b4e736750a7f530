import { useEffect, useState, type ReactNode } from 'react';
import { connectPathTools, usePathTools } from '../state/pathTools.ts';
import { CompareView } from './pathtools/CompareView.tsx';
import { OutcomeActions } from './pathtools/OutcomeActions.tsx';
import { TestsTabLabel, TestsView } from './pathtools/TestsView.tsx';
import { WhyNotPanel } from './pathtools/WhyNotPanel.tsx';
import { MeshView } from './graph/MeshView.tsx';
import { PathView } from './graph/PathView.tsx';
import { ProxyConfigPanel } from './inspect/ProxyConfigPanel.tsx';
import { OutcomeBanner } from './request/OutcomeBanner.tsx';
import { RequestForm } from './request/RequestForm.tsx';

type View = 'path' | 'mesh' | 'proxy' | 'tests' | 'compare';

/** The right side: the request, its outcome, and the path, the mesh or the proxy configuration. */
export function Workbench() {
  const [view, setView] = useState<View>('path');
  // Path tests, comparisons and fixes: their worker, and the views they ask to show.
  useEffect(() => connectPathTools(), []);
  useEffect(
    () =>
      usePathTools.subscribe((s, p) => s.viewRequest !== p.viewRequest && s.viewRequest && setView(s.viewRequest.view)),
    [],
  );
  const tab = (id: View, label: ReactNode) => (
    <button type="button" role="tab" aria-selected={view === id} onClick={() => setView(id)}>
      {label}
    </button>
  );
  return (
    <section className="workbench" aria-label="Trace">
      <RequestForm />
      <div className="outcome-area">
        <OutcomeBanner />
        <OutcomeActions />
      </div>
      <WhyNotPanel />
      <div className="view-tabs" role="tablist" aria-label="Views">
        {tab('path', 'Path')}
        {tab('mesh', 'Mesh')}
        {tab('proxy', 'Proxy config')}
        {tab('tests', <TestsTabLabel />)}
        {tab('compare', 'Compare')}
      </div>
      <div className="view-body">
        {view === 'path' && <PathView />}
        {view === 'mesh' && <MeshView onTraced={() => setView('path')} />}
        {view === 'proxy' && <ProxyConfigPanel />}
        {view === 'tests' && <TestsView />}
        {view === 'compare' && <CompareView />}
      </div>
    </section>
  );
}
