import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { fileNameProblem, useWorkspace } from '../state/store.ts';

/**
 * The file tabs above the editor. A tab is renamed in place: double-click it, or press F2 on it; Enter keeps the new
 * name, Escape keeps the old one. Delete closes the focused tab.
 */
export function FileTabs() {
  const files = useWorkspace((s) => s.files);
  const activeFile = useWorkspace((s) => s.activeFile);
  const setActiveFile = useWorkspace((s) => s.setActiveFile);
  const removeFile = useWorkspace((s) => s.removeFile);
  /** The tab being renamed, and where its field goes (over the tab, outside the tab list, which owns only tabs). */
  const [renaming, setRenaming] = useState<{ index: number; left: number } | null>(null);
  const tabs = useRef(new Map<number, HTMLButtonElement>());
  const list = useRef<HTMLDivElement>(null);
  /** The tab to focus once the rename field is gone. */
  const refocus = useRef<number | null>(null);
  useEffect(() => {
    if (refocus.current === null) return;
    tabs.current.get(refocus.current)?.focus();
    refocus.current = null;
  });

  const startRenaming = (index: number) => {
    const tab = tabs.current.get(index)?.parentElement;
    setActiveFile(index);
    setRenaming({ index, left: (tab?.offsetLeft ?? 0) - (list.current?.scrollLeft ?? 0) });
  };
  const finish = (index: number) => {
    refocus.current = index;
    setRenaming(null);
  };
  const renamed = renaming ? files[renaming.index] : undefined;

  return (
    <div className="file-tabs-bar">
      <div ref={list} className="file-tabs" role="tablist" aria-label="Files">
        {files.map((f, index) => (
          // The tab list owns only tabs: the close button is for the mouse; the keyboard closes a tab with Delete.
          <div key={f.name} role="presentation" className={`file-tab${index === activeFile ? ' active' : ''}`}>
            <button
              ref={(element) => {
                if (element) tabs.current.set(index, element);
                else tabs.current.delete(index);
              }}
              type="button"
              role="tab"
              aria-selected={index === activeFile}
              aria-description="F2 renames the file, Delete closes it"
              title="Double-click or F2 to rename"
              onClick={() => setActiveFile(index)}
              onDoubleClick={() => startRenaming(index)}
              onKeyDown={(event) => {
                if (event.key === 'Delete') removeFile(index);
                if (event.key === 'F2') {
                  event.preventDefault();
                  startRenaming(index);
                }
              }}
            >
              {f.name}
            </button>
            <button
              type="button"
              className="close"
              tabIndex={-1}
              aria-hidden="true"
              title={`Close ${f.name}`}
              onClick={() => removeFile(index)}
            >
              ×
            </button>
          </div>
        ))}
      </div>
      {renaming && renamed && (
        <div className="rename-tab-box" style={{ left: Math.max(0, renaming.left) }}>
          <RenameField
            key={renamed.name}
            index={renaming.index}
            name={renamed.name}
            onDone={() => finish(renaming.index)}
          />
        </div>
      )}
    </div>
  );
}

/** The name being typed: kept with Enter (or by leaving the field) when it can be used, dropped with Escape. */
function RenameField({ index, name, onDone }: { index: number; name: string; onDone: () => void }) {
  const renameFile = useWorkspace((s) => s.renameFile);
  const files = useWorkspace((s) => s.files);
  const [text, setText] = useState(name);
  const input = useRef<HTMLInputElement>(null);
  const problem = fileNameProblem(text.trim(), files, index);
  /** Set once Enter or Escape ended the rename: the blur of the field going away changes nothing then. */
  const ended = useRef(false);
  useEffect(() => {
    const field = input.current;
    if (!field) return;
    field.focus();
    // The name without its extension is selected, as file managers do.
    const dot = name.lastIndexOf('.');
    field.setSelectionRange(0, dot > 0 ? dot : name.length);
  }, [name]);
  const keep = () => {
    if (ended.current) return;
    ended.current = true;
    if (!problem) renameFile(index, text);
    onDone();
  };
  const handleKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      if (!problem) keep();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      ended.current = true;
      onDone();
    }
  };
  return (
    <>
      <input
        ref={input}
        className="rename-tab"
        aria-label={`Rename ${name}`}
        aria-invalid={problem !== undefined}
        aria-describedby={problem ? `rename-problem-${index}` : undefined}
        value={text}
        size={Math.max(8, Math.min(40, text.length + 1))}
        spellCheck={false}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={handleKey}
        // Leaving the field keeps a usable name, as Enter does; an unusable one is dropped.
        onBlur={keep}
      />
      {problem && (
        <span id={`rename-problem-${index}`} className="rename-problem" role="alert">
          {problem}
        </span>
      )}
    </>
  );
}
