import { useRef, useState, type ChangeEvent } from 'react';
import { ExamplesMenu } from './ExamplesMenu.tsx';
import { encodeScenario, scenarioJson, type Scenario } from '../state/scenarioCodec.ts';
import { useWorkspace } from '../state/store.ts';
import { readDroppedFiles, splitScenarioFiles } from './files.ts';
import { pathGraphHandle } from './graph/pathGraphHandle.ts';

/** Links longer than this are refused by some browsers and chat tools: offer the scenario file instead. */
export const MAX_LINK_LENGTH = 32_000;

function download(name: string, href: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.click();
}

/** Product name, examples menu, upload, share, download and export. */
export function Header() {
  const files = useWorkspace((s) => s.files);
  const request = useWorkspace((s) => s.request);
  const options = useWorkspace((s) => s.options);
  const loadScenario = useWorkspace((s) => s.loadScenario);
  const addFiles = useWorkspace((s) => s.addFiles);
  const setNotice = useWorkspace((s) => s.setNotice);
  const uploadRef = useRef<HTMLInputElement>(null);
  const [shareLink, setShareLink] = useState<string | null>(null);
  const current = (): Scenario => ({ files, request, options });

  const handleUpload = async (event: ChangeEvent<HTMLInputElement>) => {
    const list = event.target.files;
    if (!list) return;
    const { files: read, failed } = await readDroppedFiles(list);
    event.target.value = '';
    const { scenario, manifests } = splitScenarioFiles(read);
    if (scenario) loadScenario(scenario, { kind: 'info', message: 'Opened the scenario file.', undo: current() });
    if (manifests.length > 0) addFiles(manifests);
    if (failed.length > 0) setNotice({ kind: 'error', message: `Could not read ${failed.join(', ')}.` });
  };

  const handleShare = async () => {
    const fragment = encodeScenario(current());
    const url = `${location.origin}${location.pathname}#${fragment}`;
    if (url.length > MAX_LINK_LENGTH) {
      setShareLink(null);
      setNotice({ kind: 'error', message: `This scenario makes a ${url.length}-character link, too long to share safely (over ${MAX_LINK_LENGTH}). Use “Download scenario” and send the file instead.` });
      return;
    }
    history.replaceState(null, '', `#${fragment}`);
    setShareLink(url);
    try {
      await navigator.clipboard.writeText(url);
      setNotice({ kind: 'info', message: `Link copied (${url.length} characters). Anyone who opens it sees these manifests and this request; nothing is uploaded.` });
    } catch {
      setNotice({ kind: 'info', message: 'The link is in the address bar and below: copy it from there.' });
    }
  };

  const handleDownload = () => {
    const blob = new Blob([scenarioJson(current())], { type: 'application/json' });
    const href = URL.createObjectURL(blob);
    download('meshpath-scenario.json', href);
    setTimeout(() => URL.revokeObjectURL(href), 1000);
  };

  const handleExportPng = () => {
    const cy = pathGraphHandle.current;
    if (!cy) {
      setNotice({ kind: 'error', message: 'Open the Path view to export it as an image.' });
      return;
    }
    download('meshpath-path.png', cy.png({ full: true, scale: 2, bg: '#ffffff' }));
  };

  return (
    <header className="app-header">
      <h1 className="brand">
        <img src="/favicon.svg" alt="" width={22} height={22} />
        Meshpath
      </h1>
      <span className="tagline">where does this request go through the mesh, and why</span>
      <div className="header-actions">
        <ExamplesMenu />
        <button type="button" onClick={() => uploadRef.current?.click()}>
          Upload…
        </button>
        <input
          ref={uploadRef}
          type="file"
          multiple
          accept=".yaml,.yml,.json,application/x-yaml,application/json,text/yaml"
          className="visually-hidden"
          aria-label="Upload manifests"
          data-testid="upload-input"
          onChange={handleUpload}
        />
        <button type="button" onClick={handleDownload}>
          Download scenario
        </button>
        <button type="button" onClick={handleExportPng}>
          Export PNG
        </button>
        <button type="button" onClick={handleShare}>
          Share
        </button>
      </div>
      {shareLink && <input className="share-link" aria-label="Share link" readOnly value={shareLink} onFocus={(e) => e.currentTarget.select()} />}
    </header>
  );
}
