import { useWorkspace } from '../state/store.ts';

/** A warning that stays while the browser does not keep the user's work. */
export function StorageWarning() {
  const warning = useWorkspace((s) => s.storageWarning);
  if (!warning) return null;
  return (
    <div className="notice error" role="alert" aria-label="Storage warning">
      <span>{warning}</span>
    </div>
  );
}

/** One message at a time, with Undo when the action replaced what the user had. */
export function NoticeBar() {
  const notice = useWorkspace((s) => s.notice);
  const setNotice = useWorkspace((s) => s.setNotice);
  const loadScenario = useWorkspace((s) => s.loadScenario);
  if (!notice) return null;
  const undo = notice.undo;
  return (
    <div className={`notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} aria-label="Notice">
      <span>{notice.message}</span>
      {undo && (
        <button
          type="button"
          onClick={() => loadScenario(undo, { kind: 'info', message: 'Restored your previous files.' }, 'Before Undo')}
        >
          Undo
        </button>
      )}
      <button type="button" aria-label="Dismiss" onClick={() => setNotice(null)}>
        ×
      </button>
    </div>
  );
}
