import { useState } from 'react';
import type { Trace, VerifiedFix, VerifiedRequestChange } from '../../core/index.ts';
import { isSuccess } from '../../state/outcome.ts';
import { applyFixInCopy, usePathTools, wantsFix } from '../../state/pathTools.ts';
import { useWorkspace } from '../../state/store.ts';

function resultText(r: VerifiedFix['result']): string {
  return `${r.outcome}${r.status !== null ? ` ${r.status}` : ''}${r.cluster ? ` via ${r.cluster}` : ''}`;
}

function Fix({ fix, index, stale }: { fix: VerifiedFix; index: number; stale: boolean }) {
  const [copied, setCopied] = useState(false);
  const [showYaml, setShowYaml] = useState(true);
  const id = `fix-yaml-${index}`;
  const where =
    fix.change === 'edit' && fix.object.file
      ? ` (changes ${fix.object.file}:${fix.object.line ?? 1})`
      : ' (new object)';
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(fix.yaml);
      setCopied(true);
    } catch {
      setShowYaml(true);
    }
  };
  return (
    <li className="fix">
      <div className="fix-head">
        <span className="fix-title">{fix.title}</span>
        <span className="fix-verified" title="Meshpath applied this change to a copy of the manifests and traced again">
          verified: then {resultText(fix.result)}
        </span>
      </div>
      <div className="path-tools-buttons">
        <button type="button" className="primary" disabled={stale} onClick={() => applyFixInCopy(fix)}>
          Apply in a copy
        </button>
        <button type="button" onClick={copy}>
          {copied ? 'Copied' : 'Copy YAML'}
        </button>
        <button type="button" aria-expanded={showYaml} aria-controls={id} onClick={() => setShowYaml(!showYaml)}>
          {showYaml ? 'Hide YAML' : 'Show YAML'}
        </button>
        <span className="path-tools-note">
          {fix.object.kind} {fix.object.namespace ? `${fix.object.namespace}/` : ''}
          {fix.object.name}
          {where}
        </span>
      </div>
      {showYaml && (
        <pre id={id} className="fix-yaml" tabIndex={0} aria-label={`YAML of the fix: ${fix.title}`}>
          {fix.yaml}
        </pre>
      )}
    </li>
  );
}

/** Headers the request would need to reach the intended cluster, each verified by tracing again. */
function RequestChanges({ changes }: { changes: VerifiedRequestChange[] }) {
  if (changes.length === 0) return null;
  return (
    <ul className="fixes" aria-label="Verified request changes">
      {changes.map((change) => (
        <li className="fix" key={change.title}>
          <div className="fix-head">
            <span className="fix-title">{change.title}</span>
            <span className="fix-verified" title="Meshpath traced the request again with these headers">
              verified: then {resultText(change.result)}
            </span>
          </div>
          <pre className="fix-yaml" tabIndex={0} aria-label={`Headers: ${change.title}`}>
            {Object.entries(change.headers)
              .map(([name, value]) => `${name}: ${value}`)
              .join('\n')}
          </pre>
        </li>
      ))}
    </ul>
  );
}

/** For a routed request: the cluster the user meant it to reach; Meshpath then says why it went elsewhere. */
function IntendedCluster({ reached }: { reached: string | undefined }) {
  const intended = usePathTools((s) => s.intendedCluster);
  const setIntended = usePathTools((s) => s.setIntendedCluster);
  const [text, setText] = useState(intended);
  return (
    <form
      className="why-not intended-cluster"
      onSubmit={(event) => {
        event.preventDefault();
        setIntended(text);
      }}
    >
      <label>
        Intended cluster{' '}
        <input
          type="text"
          value={text}
          spellCheck={false}
          size={48}
          placeholder={reached ?? 'outbound|PORT|SUBSET|HOST'}
          onChange={(event) => setText(event.target.value)}
          onBlur={() => setIntended(text)}
        />
      </label>{' '}
      <button type="submit">Why not?</button>
    </form>
  );
}

/**
 * Under the outcome, for a request that did not reach a service (or only passed through): the changes to the
 * manifests that make it reach one, each verified by tracing again with it applied, and "Apply in a copy".
 */
export function WhyNotPanel() {
  const trace = useWorkspace((s) => s.trace);
  const whyNot = usePathTools((s) => s.whyNot);
  const asking = usePathTools((s) => s.askingIntended);
  const intended = usePathTools((s) => s.intendedCluster);
  if (!trace?.ok) return null;
  if (trace.trace.outcome === 'routed') {
    const reached = [...trace.trace.hops].reverse().find((h) => h.cluster && h.direction !== 'inbound')?.cluster;
    return (
      <>
        {(asking || intended !== '') && <IntendedCluster reached={reached} />}
        {whyNot && <WhyNotBody trace={trace.trace} />}
      </>
    );
  }
  if (!wantsFix(trace.trace) || !whyNot) return null;
  return <WhyNotBody trace={trace.trace} />;
}

function WhyNotBody({ trace: traced }: { trace: Trace }) {
  const computing = useWorkspace((s) => s.computing);
  const whyNot = usePathTools((s) => s.whyNot);
  const findFix = usePathTools((s) => s.findFix);
  // Open for a failure; for a request that got through anyway (passthrough), one line until the user opens it.
  const [collapsedFor, setCollapsedFor] = useState({ success: true, failure: false });
  if (!whyNot) return null;
  const result = whyNot.result;
  const stale = computing || !whyNot.answered;
  if (whyNot.error)
    return (
      <p className="why-not path-tools-problem" role="alert">
        Meshpath could not look for a fix: {whyNot.error}
      </p>
    );
  if (!whyNot.job)
    return (
      <p className="why-not">
        <button type="button" onClick={findFix}>
          Look for a fix
        </button>{' '}
        <span className="path-tools-note">
          This workspace is large: each candidate change is traced against all of it, so Meshpath waits to be asked.
        </span>
      </p>
    );
  if (result === undefined)
    return (
      <p className="why-not why-not-computing" aria-live="polite">
        Looking for a fix: tracing again with each candidate change…
      </p>
    );
  if (typeof result === 'string') return null;
  const intended = result.intendedCluster;
  const changes = result.requestChanges ?? [];
  const count = result.fixes.length + changes.length;
  // A request that passed through with nothing to suggest needs no panel; a failure says that none was found.
  if (count === 0 && isSuccess(traced.outcome) && !intended) return null;
  const outcome = traced.outcome;
  // A named cluster is a question the user asked: its answer opens.
  const kind = intended ? 'failure' : isSuccess(outcome) ? 'success' : 'failure';
  const collapsed = collapsedFor[kind];
  const setCollapsed = (value: boolean) => setCollapsedFor({ ...collapsedFor, [kind]: value });
  const heading = intended
    ? `Why not ${intended}${count > 0 ? `: ${count} verified change${count === 1 ? '' : 's'}` : ''}`
    : result.fixes.length === 0
      ? `No verified fix for ${outcome}`
      : `How to make it ${result.fixes[0]?.result.outcome ?? 'routed'}: ${result.fixes.length} verified fix${
          result.fixes.length === 1 ? '' : 'es'
        }`;
  return (
    <section className={`why-not${stale ? ' stale' : ''}`} aria-label="Why not, and fixes">
      <div className="why-not-head">
        <button
          type="button"
          className="why-not-toggle"
          aria-expanded={!collapsed}
          aria-controls="why-not-body"
          onClick={() => setCollapsed(!collapsed)}
        >
          <span aria-hidden="true">{collapsed ? '▸' : '▾'}</span> {heading}
        </button>
      </div>
      {!collapsed && (
        <div id="why-not-body" className="why-not-body">
          {intended && <p className="why-not-reason">{result.reason}</p>}
          {result.alternatives.length > 0 && (
            // For a named cluster they are the rules that were close; else what the deciding steps passed over.
            <details className="why-not-alternatives" open={Boolean(intended)}>
              <summary>Close alternatives ({result.alternatives.length})</summary>
              <ul aria-label="Close alternatives">
                {result.alternatives.map((a, i) => (
                  <li key={`${i}-${a}`}>{a}</li>
                ))}
              </ul>
            </details>
          )}
          <RequestChanges changes={changes} />
          {result.fixes.length > 0 ? (
            <ul className="fixes" aria-label="Verified fixes">
              {result.fixes.map((fix, index) => (
                <Fix key={`${fix.title}-${index}`} fix={fix} index={index} stale={stale} />
              ))}
            </ul>
          ) : (
            <p className="path-tools-note">
              {intended && result.reason.startsWith('The request already')
                ? ''
                : result.rejected.length > 0
                  ? `Tried and not suggested: ${result.rejected.join(' ')}`
                  : 'Meshpath suggests fixes for unknown hosts, hidden hosts, port protocols, missing subsets, mTLS ' +
                    'and authorization; the reason above is what decided this one.'}
            </p>
          )}
        </div>
      )}
    </section>
  );
}

/** Beside a routed outcome: opens the "Intended cluster" field, for "why not the cluster I meant?". */
export function IntendedClusterToggle() {
  const routed = useWorkspace((s) => s.trace?.ok === true && s.trace.trace.outcome === 'routed');
  const asking = usePathTools((s) => s.askingIntended || s.intendedCluster !== '');
  const setAsking = usePathTools((s) => s.setAskingIntended);
  const setIntended = usePathTools((s) => s.setIntendedCluster);
  if (!routed) return null;
  return (
    <button
      type="button"
      aria-expanded={asking}
      onClick={() => {
        if (asking) setIntended('');
        setAsking(!asking);
        // Keyboard users land in the field they asked for.
        if (!asking)
          requestAnimationFrame(() => document.querySelector<HTMLInputElement>('.intended-cluster input')?.focus());
      }}
    >
      Not this cluster?
    </button>
  );
}
