import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Table, Trace } from '../../core/index.ts';
import type { PodSummary, ProxyConfigView } from '../../state/leanView.ts';
import { useWorkspace } from '../../state/store.ts';

const ENVOY_KINDS = ['listeners', 'routes', 'clusters', 'endpoints'] as const;
const ZTUNNEL_KINDS = ['workloads', 'services'] as const;
type Kind = (typeof ENVOY_KINDS)[number] | (typeof ZTUNNEL_KINDS)[number];

/** Rows drawn at once: a filter finds the others (thousands of rows would block the page while they are drawn). */
const MAX_ROWS = 500;

/** The tables of a view by name: Envoy's four, or ztunnel's two. */
function tablesOf(view: ProxyConfigView | undefined): Partial<Record<Kind, Table>> {
  if (!view?.ok) return {};
  return view.tables;
}

/** What the pod runs, as the Proxy menu says it. */
function proxyWords(pod: PodSummary): string {
  if (pod.waypoint) return 'waypoint';
  if (pod.ambient) return 'ambient · ztunnel';
  return pod.proxy;
}

/**
 * istioctl proxy-config for the chosen pod: four tables, filterable, each row linked to the objects that produced it;
 * for an ambient pod, what the ztunnel on its node knows (istioctl ztunnel-config workloads and services).
 * The analysis worker computes them for the pod this panel asks for.
 */
export function ProxyConfigPanel() {
  const pods = useWorkspace((s) => s.analysis.pods);
  const revealRange = useWorkspace((s) => s.revealRange);
  const requestProxyConfig = useWorkspace((s) => s.requestProxyConfig);
  const proxyConfig = useWorkspace((s) => s.proxyConfig);
  const proxies = useMemo(() => pods.filter((p) => p.proxy !== 'none' || p.ambient), [pods]);
  const [chosen, setChosen] = useState<string>('');
  const [picked, setPicked] = useState<Kind>('listeners');
  const [filter, setFilter] = useState('');
  const tabsRef = useRef<HTMLDivElement>(null);
  // The pod the user picked here, else the trace's source pod when it has a proxy, else the first proxy.
  const trace = useWorkspace((s) => s.trace);
  const fromTrace = trace?.ok ? trace.trace.request.from : undefined;
  const valid = (ref: string | undefined) => ref !== undefined && proxies.some((p) => p.ref === ref);
  const podRef = valid(chosen) ? chosen : valid(fromTrace) ? (fromTrace ?? '') : (proxies[0]?.ref ?? '');

  useEffect(() => {
    requestProxyConfig(podRef === '' ? undefined : podRef);
  }, [podRef, requestProxyConfig]);
  useEffect(() => () => requestProxyConfig(undefined), [requestProxyConfig]);

  const result = proxyConfig?.pod === podRef ? proxyConfig.view : undefined;
  const ztunnel = result?.ok === true && result.kind === 'ztunnel';
  const kinds: readonly Kind[] = ztunnel ? ZTUNNEL_KINDS : ENVOY_KINDS;
  // The table picked last, or the first of this pod's when it has no such table (an ambient pod has no listeners).
  const kind = kinds.includes(picked) ? picked : (kinds[0] ?? 'listeners');
  const tables = tablesOf(result);
  const table: Table | undefined = tables[kind];
  const needle = filter.trim().toLowerCase();
  const matching = useMemo(
    () =>
      table
        ? table.rows.filter((row) => needle === '' || row.cells.some((cell) => cell.toLowerCase().includes(needle)))
        : [],
    [table, needle],
  );
  const rows = matching.slice(0, MAX_ROWS);
  const [podNamespace, podName] = podRef.split('/');

  // Arrow keys, Home and End move between the tables (the tab pattern); Tab leaves the tab list.
  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    const at = kinds.indexOf(kind);
    const next =
      event.key === 'ArrowRight'
        ? (at + 1) % kinds.length
        : event.key === 'ArrowLeft'
          ? (at - 1 + kinds.length) % kinds.length
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? kinds.length - 1
              : undefined;
    const target = next !== undefined ? kinds[next] : undefined;
    if (!target) return;
    event.preventDefault();
    setPicked(target);
    tabsRef.current?.querySelectorAll<HTMLButtonElement>('[role="tab"]')[next ?? 0]?.focus();
  };

  if (proxies.length === 0) {
    return (
      <p className="panel-empty">
        No pod in these manifests runs an Istio proxy or is in ambient mode, so there is no proxy configuration to show.
      </p>
    );
  }
  return (
    <section className="proxy-config" aria-label="Proxy config">
      <div className="proxy-config-controls">
        <label>
          Proxy{' '}
          <select aria-label="Proxy" value={podRef} onChange={(e) => setChosen(e.target.value)}>
            {proxies.map((p) => {
              const onPath = trace?.ok && onThePath(trace.trace, p.ref);
              return (
                <option key={p.ref} value={p.ref}>
                  {p.ref} ({proxyWords(p)}){onPath ? ' · on the path' : ''}
                </option>
              );
            })}
          </select>
        </label>
        <div
          role="tablist"
          aria-label={ztunnel ? 'ztunnel config tables' : 'Proxy config tables'}
          className="proxy-config-kinds"
          ref={tabsRef}
        >
          {kinds.map((k) => (
            <button
              key={k}
              type="button"
              role="tab"
              aria-selected={kind === k}
              aria-controls={table ? 'proxy-config-table' : undefined}
              tabIndex={kind === k ? 0 : -1}
              onClick={() => setPicked(k)}
              onKeyDown={onTabKey}
            >
              {k} <span className="counts">{tables[k]?.rows.length ?? 0}</span>
            </button>
          ))}
        </div>
        <input
          aria-label="Filter rows"
          placeholder="Filter…"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
      </div>
      {!result && podRef !== '' && <p className="panel-empty">Computing the proxy config of {podRef}…</p>}
      {result && !result.ok && <p className="panel-empty">{result.reason}</p>}
      {result?.ok && result.kind === 'ztunnel' && (
        <p className="scope-note">
          <strong>{podRef} has no proxy of its own</strong>: {result.reason}
          {result.node ? ` (node ${result.node})` : ''}. These are that ztunnel's tables, as{' '}
          <code>istioctl ztunnel-config workloads</code> and <code>services</code> print them: PROTOCOL HBONE means an
          mTLS tunnel to port 15008, TCP plaintext; WAYPOINT is the waypoint traffic goes through.
          {kind === 'workloads' && " This pod's row is marked."}
        </p>
      )}
      {result?.ok && result.kind === 'envoy' && (
        <p className="scope-note">
          {result.waypoint && (
            <>
              <strong>
                {podRef} runs the waypoint {result.waypoint}
              </strong>
              : the Envoy config istiod pushes to it.{' '}
              {result.tables.listeners.rows.length === 0 &&
                'Its own listeners (HBONE on 15008) are not modelled yet in Meshpath. '}
            </>
          )}
          {result.sidecarReason}. Outbound traffic policy: {result.outboundTrafficPolicy}
          {result.outboundTrafficPolicySource ? ` (from ${result.outboundTrafficPolicySource})` : ' (Istio default)'}.
        </p>
      )}
      {table && (
        // Focusable, so that a keyboard can scroll a table wider or longer than the panel.
        <div
          className="table-scroll"
          id="proxy-config-table"
          role="tabpanel"
          tabIndex={0}
          aria-label={`${kind} of ${podRef}`}
        >
          <table aria-label={`${kind} of ${podRef}`}>
            <thead>
              <tr>
                {table.headers.map((h) => (
                  <th key={h} scope="col">
                    {h}
                  </th>
                ))}
                <th scope="col">FROM</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, index) => {
                // In ztunnel's workloads, the chosen pod's own row.
                const own =
                  ztunnel && kind === 'workloads' && row.cells[0] === podNamespace && row.cells[1] === podName;
                return (
                  <tr
                    key={`${row.cells.join('|')}#${index}`}
                    className={own ? 'own-row' : undefined}
                    aria-current={own ? 'true' : undefined}
                  >
                    {row.cells.map((cell, column) => (
                      <td key={column} className={ztunnel ? cellClass(table.headers[column], cell) : undefined}>
                        {cell}
                      </td>
                    ))}
                    <td>
                      {row.sources.map((source) => (
                        <button
                          key={`${source.kind}/${source.namespace ?? ''}/${source.name}`}
                          type="button"
                          className="link"
                          title={`${source.file}:${source.range.start.line}`}
                          onClick={() => revealRange(source.file, source.range)}
                        >
                          {source.kind} {source.name}
                        </button>
                      ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {matching.length > rows.length && (
            <p className="panel-empty">
              {rows.length} of {matching.length} rows shown: filter to find the others.
            </p>
          )}
        </div>
      )}
    </section>
  );
}

/** A pod the request leaves from, whose proxy it goes through, or whose ztunnel takes it in. */
function onThePath(trace: Trace, ref: string): boolean {
  return (
    trace.request.from === ref ||
    trace.hops.some((h) => h.proxy === ref) ||
    trace.steps.some((s) => s.fact.kind === 'ztunnel' && s.fact.by === 'inbound' && s.fact.pod === ref)
  );
}

/** ztunnel's PROTOCOL and WAYPOINT cells are styled by value: HBONE (tunnelled) or TCP, a waypoint or None. */
function cellClass(header: string | undefined, cell: string): string | undefined {
  if (header === 'PROTOCOL') return cell === 'HBONE' ? 'cell-hbone' : 'cell-tcp';
  if (header === 'WAYPOINT') return cell === 'None' ? 'cell-none' : 'cell-waypoint';
  return undefined;
}
