import { useRef, useState, type ChangeEvent } from 'react';
import { ExamplesMenu } from './ExamplesMenu.tsx';
import { RecentMenu } from './RecentMenu.tsx';
import { encodeScenario, scenarioJson } from '../state/scenarioCodec.ts';
import { scenarioOf, useWorkspace } from '../state/store.ts';
import { readOpenedFiles } from './files.ts';
import { pathGraphHandle } from './graph/graphHandle.ts';

/** Links longer than this are refused by some browsers and chat tools: offer the scenario file instead. */
const MAX_LINK_LENGTH = 32_000;

function download(name: string, href: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.click();
}

/** Product name, examples menu, upload, share, download and export. */
export function Header() {
  const openFiles = useWorkspace((s) => s.openFiles);
  const setNotice = useWorkspace((s) => s.setNotice);
  const uploadRef = useRef<HTMLInputElement>(null);
  const [shareLink, setShareLink] = useState<string | null>(null);
  const current = () => scenarioOf(useWorkspace.getState());

  const handleUpload = async (event: ChangeEvent<HTMLInputElement>) => {
    const list = event.target.files;
    if (!list) return;
    const read = await readOpenedFiles(list);
    event.target.value = '';
    openFiles(read);
  };

  const handleShare = async () => {
    const fragment = await encodeScenario(current());
    const url = `${location.origin}${location.pathname}#${fragment}`;
    if (url.length > MAX_LINK_LENGTH) {
      setShareLink(null);
      setNotice({
        kind: 'error',
        message:
          `This scenario makes a ${url.length}-character link, too long to share safely ` +
          `(over ${MAX_LINK_LENGTH}). Use “Download scenario” and send the file instead.`,
      });
      return;
    }
    history.replaceState(null, '', `#${fragment}`);
    setShareLink(url);
    try {
      await navigator.clipboard.writeText(url);
      setNotice({
        kind: 'info',
        message:
          `Link copied (${url.length} characters). Anyone who opens it sees these manifests and this request; ` +
          `nothing is uploaded.`,
      });
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
        <RecentMenu />
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
      {shareLink && (
        <input
          className="share-link"
          aria-label="Share link"
          readOnly
          value={shareLink}
          onFocus={(e) => e.currentTarget.select()}
        />
      )}
    </header>
  );
}
