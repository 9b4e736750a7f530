import { DiagnosticsPanel } from './DiagnosticsPanel.tsx';
import { EditorPane } from './editor/EditorPane.tsx';
import { ExampleStory } from './ExampleStory.tsx';
import { Workbench } from './Workbench.tsx';
import { Header } from './Header.tsx';
import { NoticeBar, StorageWarning } from './NoticeBar.tsx';
import { TourBar } from './TourBar.tsx';

export function App() {
  return (
    <div className="app">
      <a
        className="skip-link"
        href="#source-pod"
        onClick={(event) => {
          // The address bar's fragment carries share links: focus the field without navigating.
          event.preventDefault();
          document.getElementById('source-pod')?.focus();
        }}
      >
        Skip to the request
      </a>
      <Header />
      <TourBar />
      <StorageWarning />
      <NoticeBar />
      <main className="workspace">
        <div className="left-column">
          <ExampleStory />
          <EditorPane />
          <DiagnosticsPanel />
        </div>
        <Workbench />
      </main>
    </div>
  );
}
