import { useState } from 'react';
import { MeshView } from './graph/MeshView.tsx';
import { PathView } from './graph/PathView.tsx';
import { ProxyConfigPanel } from './inspect/ProxyConfigPanel.tsx';
import { OutcomeBanner } from './request/OutcomeBanner.tsx';
import { RequestForm } from './request/RequestForm.tsx';

type View = 'path' | 'mesh' | 'proxy';

/** The right side: the request, its outcome, and the path, the mesh or the proxy configuration. */
export function Workbench() {
  const [view, setView] = useState<View>('path');
  const tab = (id: View, label: string) => (
    <button type="button" role="tab" aria-selected={view === id} onClick={() => setView(id)}>
      {label}
    </button>
  );
  return (
    <section className="workbench" aria-label="Trace">
      <RequestForm />
      <OutcomeBanner />
      <div className="view-tabs" role="tablist" aria-label="Views">
        {tab('path', 'Path')}
        {tab('mesh', 'Mesh')}
        {tab('proxy', 'Proxy config')}
      </div>
      <div className="view-body">
        {view === 'path' && <PathView />}
        {view === 'mesh' && <MeshView onTraced={() => setView('path')} />}
        {view === 'proxy' && <ProxyConfigPanel />}
      </div>
    </section>
  );
}
