import { lazy, Suspense, useMemo, useState, type DragEvent } from 'react';
import { useWorkspace } from '../../state/store.ts';
import { readOpenedFiles } from '../files.ts';
import { FileTabs } from '../FileTabs.tsx';

// Monaco is about 1 MB gzipped: load it after the first paint.
const MonacoEditor = lazy(() => import('./MonacoEditor.tsx'));

/** File tabs and the YAML editor; files dropped here are added as tabs. */
export function EditorPane() {
  const files = useWorkspace((s) => s.files);
  const activeFile = useWorkspace((s) => s.activeFile);
  const manifestProblems = useWorkspace((s) => s.analysis.diagnostics);
  // A tests file's problems are marked in it too (they come with the tests' results, not the manifests' analysis).
  const testsFiles = useWorkspace((s) => s.pathTests.files);
  const diagnostics = useMemo(
    () => [...manifestProblems, ...testsFiles.flatMap((f) => f.diagnostics)],
    [manifestProblems, testsFiles],
  );
  const reveal = useWorkspace((s) => s.reveal);
  const setFileText = useWorkspace((s) => s.setFileText);
  const openFiles = useWorkspace((s) => s.openFiles);
  const hoverLine = useWorkspace((s) => s.hoverLine);
  const [dragging, setDragging] = useState(false);
  const file = files[activeFile] ?? files[0];

  const handleDrop = async (event: DragEvent<HTMLElement>) => {
    event.preventDefault();
    setDragging(false);
    openFiles(await readOpenedFiles(event.dataTransfer.files));
  };

  return (
    <section
      className={`editor-pane${dragging ? ' dragging' : ''}`}
      aria-label="Manifests"
      onDragOver={(event) => {
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={handleDrop}
    >
      <FileTabs />
      <div className="editor-body">
        {file && (
          <Suspense fallback={<div className="editor-loading">Loading the editor…</div>}>
            <MonacoEditor
              fileName={file.name}
              value={file.text}
              diagnostics={diagnostics}
              reveal={reveal}
              onChange={(text) => setFileText(files.indexOf(file), text)}
              onHoverLine={(line) => hoverLine(file.name, line)}
            />
          </Suspense>
        )}
        {dragging && <div className="drop-hint">Drop YAML or JSON files to add them</div>}
      </div>
    </section>
  );
}
