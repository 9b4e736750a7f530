import { useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { compareTargetOfFiles, readCompareLink, usePathTools, type CompareTarget } from '../../state/pathTools.ts';
import type { HistoryEntry } from '../../state/history.ts';
import { useWorkspace } from '../../state/store.ts';
import { readOpenedFiles } from '../files.ts';

function age(savedAt: number): string {
  const minutes = Math.round((Date.now() - savedAt) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 24 ? `${hours} h ago` : new Date(savedAt).toLocaleString();
}

function fileNames(entry: HistoryEntry): string {
  const names = entry.scenario.files.map((f) => f.name);
  return `${names.slice(0, 2).join(', ')}${names.length > 2 ? ` +${names.length - 2}` : ''}`;
}

function targetOfEntry(entry: HistoryEntry): CompareTarget {
  return { label: `${fileNames(entry)} as kept ${age(entry.savedAt)}`, files: entry.scenario.files };
}

/**
 * The three things the workspace can be compared with: a workspace kept in Recent, a file, or a share link. Used in
 * the "Compare with…" popover and in the Compare tab before anything is chosen.
 */
export function CompareChoices({ onChosen, autoFocus }: { onChosen: () => void; autoFocus: boolean }) {
  const history = useWorkspace((s) => s.history);
  const compareWith = usePathTools((s) => s.compareWith);
  const [linkOpen, setLinkOpen] = useState(false);
  const [link, setLink] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);

  const choose = (target: CompareTarget | string) => {
    if (typeof target === 'string') {
      setProblem(target);
      return;
    }
    setProblem(null);
    compareWith(target);
    onChosen();
  };
  const handleFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const list = event.target.files;
    if (!list || list.length === 0) return;
    const names = Array.from(list).map((f) => f.name);
    const read = await readOpenedFiles(list);
    event.target.value = '';
    choose(compareTargetOfFiles(read, names));
  };
  const handleLink = async (event: FormEvent) => {
    event.preventDefault();
    choose(await readCompareLink(link));
  };

  return (
    <>
      <li className="compare-group">Workspaces kept in Recent</li>
      {history.length === 0 && (
        <li className="compare-empty">
          None yet: opening an example, a link or a file keeps the previous workspace there.
        </li>
      )}
      {history.map((entry, index) => (
        <li key={`${entry.savedAt}-${index}`}>
          <button type="button" autoFocus={autoFocus && index === 0} onClick={() => choose(targetOfEntry(entry))}>
            <span className="example-title">
              {fileNames(entry)} · {age(entry.savedAt)}
            </span>
            <span className="example-description">Kept {entry.summary.replace(/^Before/, 'before')}</span>
          </button>
        </li>
      ))}
      <li className="compare-group">Elsewhere</li>
      <li>
        <button
          type="button"

          autoFocus={autoFocus && history.length === 0}
          onClick={() => fileRef.current?.click()}
        >
          <span className="example-title">A file…</span>
          <span className="example-description">A downloaded scenario (.json) or manifests (.yaml)</span>
        </button>
        <input
          ref={fileRef}
          type="file"
          multiple
          accept=".yaml,.yml,.json,application/x-yaml,application/json,text/yaml"
          className="visually-hidden"
          aria-label="File to compare with"
          tabIndex={-1}
          onChange={handleFile}
        />
      </li>
      <li>
        <button type="button" aria-expanded={linkOpen} onClick={() => setLinkOpen(!linkOpen)}>
          <span className="example-title">A share link…</span>
          <span className="example-description">A link the Share button made</span>
        </button>
        {linkOpen && (
          <form className="compare-link" onSubmit={handleLink}>
            <input
              autoFocus
              aria-label="Share link to compare with"
              placeholder="https://…/#v2=…"
              value={link}
              onChange={(e) => setLink(e.target.value)}
            />
            <button type="submit">Compare</button>
          </form>
        )}
      </li>
      {problem && (
        <li className="path-tools-problem" role="alert">
          {problem}
        </li>
      )}
    </>
  );
}
