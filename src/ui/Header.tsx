import { useRef, useState, type ChangeEvent } from 'react';
import { EXAMPLES, findExample } from '../state/examples.ts';
import { encodeScenario } from '../state/scenarioCodec.ts';
import { useWorkspace } from '../state/store.ts';
import { readDroppedFiles } from './files.ts';

/** Product name, examples menu, upload and share. */
export function Header() {
  const files = useWorkspace((s) => s.files);
  const loadScenario = useWorkspace((s) => s.loadScenario);
  const addFiles = useWorkspace((s) => s.addFiles);
  const setNotice = useWorkspace((s) => s.setNotice);
  const uploadRef = useRef<HTMLInputElement>(null);
  const [shareLink, setShareLink] = useState<string | null>(null);

  const handleExample = (event: ChangeEvent<HTMLSelectElement>) => {
    const example = findExample(event.target.value);
    event.target.value = '';
    if (!example) return;
    loadScenario(example.scenario, { kind: 'info', message: `Opened the example “${example.title}”.`, undo: { files } });
  };

  const handleUpload = async (event: ChangeEvent<HTMLInputElement>) => {
    const list = event.target.files;
    if (!list) return;
    const { files: read, failed } = await readDroppedFiles(list);
    event.target.value = '';
    addFiles(read);
    if (failed.length > 0) setNotice({ kind: 'error', message: `Could not read ${failed.join(', ')}.` });
  };

  const handleShare = async () => {
    const fragment = encodeScenario({ files });
    const url = `${location.origin}${location.pathname}#${fragment}`;
    history.replaceState(null, '', `#${fragment}`);
    setShareLink(url);
    try {
      await navigator.clipboard.writeText(url);
      setNotice({ kind: 'info', message: `Link copied (${url.length} characters). Anyone who opens it sees these manifests; nothing is uploaded.` });
    } catch {
      setNotice({ kind: 'info', message: 'The link is in the address bar and below: copy it from there.' });
    }
  };

  return (
    <header className="app-header">
      <h1 className="brand">
        <img src="/favicon.svg" alt="" width={22} height={22} />
        Meshpath
      </h1>
      <span className="tagline">where does this request go through the mesh, and why</span>
      <div className="header-actions">
        <label className="examples">
          <span className="visually-hidden">Examples</span>
          <select aria-label="Examples" defaultValue="" onChange={handleExample}>
            <option value="" disabled>
              Examples…
            </option>
            {EXAMPLES.map((example) => (
              <option key={example.id} value={example.id} title={example.description}>
                {example.title}
              </option>
            ))}
          </select>
        </label>
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
        <button type="button" onClick={handleShare}>
          Share
        </button>
      </div>
      {shareLink && (
        <input className="share-link" aria-label="Share link" readOnly value={shareLink} onFocus={(e) => e.currentTarget.select()} />
      )}
    </header>
  );
}
