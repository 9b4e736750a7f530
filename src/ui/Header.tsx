import { useRef, useState, type ChangeEvent } from 'react';
import { ExamplesMenu } from './ExamplesMenu.tsx';
import { RecentMenu } from './RecentMenu.tsx';
import { encodeScenario, scenarioJson, type Scenario } from '../state/scenarioCodec.ts';
import { findSecrets, stripSecrets, type SecretFinding } from '../core/index.ts';
import { SecretsDialog } from './SecretsDialog.tsx';
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
  // Secret values found in the scenario about to be shared or downloaded: the user chooses whether they go along.
  const [asking, setAsking] = useState<{ action: 'Share link' | 'Download'; findings: SecretFinding[] } | null>(null);
  const withoutSecrets = (): Scenario => {
    const scenario = current();
    return { ...scenario, files: stripSecrets(scenario.files, findSecrets(scenario.files)) };
  };
  const askFirst = (action: 'Share link' | 'Download', go: (scenario: Scenario) => void) => {
    const findings = findSecrets(current().files);
    if (findings.length === 0) go(current());
    else setAsking({ action, findings });
  };

  const handleUpload = async (event: ChangeEvent<HTMLInputElement>) => {
    const list = event.target.files;
    if (!list) return;
    const read = await readOpenedFiles(list);
    event.target.value = '';
    openFiles(read);
  };

  const share = async (scenario: Scenario) => {
    const fragment = await encodeScenario(scenario);
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

  const save = (scenario: Scenario) => {
    const blob = new Blob([scenarioJson(scenario)], { type: 'application/json' });
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
        <button type="button" onClick={() => askFirst('Download', save)}>
          Download scenario
        </button>
        <button type="button" onClick={handleExportPng}>
          Export PNG
        </button>
        <button type="button" onClick={() => askFirst('Share link', (scenario) => void share(scenario))}>
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
      {asking && (
        <SecretsDialog
          findings={asking.findings}
          action={asking.action}
          onCancel={() => setAsking(null)}
          onConfirm={(strip) => {
            const scenario = strip ? withoutSecrets() : current();
            setAsking(null);
            if (asking.action === 'Download') save(scenario);
            else void share(scenario);
          }}
        />
      )}
    </header>
  );
}
