import { useEffect, useMemo, useState } from 'react';
import type { Table } from '../../core/index.ts';
import { useWorkspace } from '../../state/store.ts';

const KINDS = ['listeners', 'routes', 'clusters', 'endpoints'] as const;
type Kind = (typeof KINDS)[number];

/** Rows drawn at once: a filter finds the others (thousands of rows would block the page while they are drawn). */
const MAX_ROWS = 500;

/**
 * istioctl proxy-config for the chosen pod: four tables, filterable, each row linked to the objects that produced it.
 * The analysis worker computes them for the pod this panel asks for.
 */
export function ProxyConfigPanel() {
  const pods = useWorkspace((s) => s.analysis.pods);
  const revealRange = useWorkspace((s) => s.revealRange);
  const requestProxyConfig = useWorkspace((s) => s.requestProxyConfig);
  const proxyConfig = useWorkspace((s) => s.proxyConfig);
  const proxies = useMemo(() => pods.filter((p) => p.proxy !== 'none'), [pods]);
  const [chosen, setChosen] = useState<string>('');
  const [kind, setKind] = useState<Kind>('listeners');
  const [filter, setFilter] = useState('');
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
  const tables = result?.ok ? result.tables : undefined;
  const table: Table | undefined = tables?.[kind];
  const needle = filter.trim().toLowerCase();
  const matching = useMemo(
    () =>
      table
        ? table.rows.filter((row) => needle === '' || row.cells.some((cell) => cell.toLowerCase().includes(needle)))
        : [],
    [table, needle],
  );
  const rows = matching.slice(0, MAX_ROWS);

  if (proxies.length === 0) {
    return (
      <p className="panel-empty">
        No pod in these manifests runs an Istio proxy, so there is no proxy configuration to show.
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
              const onPath = trace?.ok && trace.trace.hops.some((h) => h.proxy === p.ref);
              return (
                <option key={p.ref} value={p.ref}>
                  {p.ref} ({p.proxy}){onPath ? ' · on the path' : ''}
                </option>
              );
            })}
          </select>
        </label>
        <div role="tablist" aria-label="Proxy config tables" className="proxy-config-kinds">
          {KINDS.map((k) => (
            <button key={k} type="button" role="tab" aria-selected={kind === k} onClick={() => setKind(k)}>
              {k} <span className="counts">{tables?.[k].rows.length ?? 0}</span>
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
      {result?.ok && (
        <p className="scope-note">
          {result.sidecarReason}. Outbound traffic policy: {result.outboundTrafficPolicy}
          {result.outboundTrafficPolicySource ? ` (from ${result.outboundTrafficPolicySource})` : ' (Istio default)'}.
        </p>
      )}
      {table && (
        <div className="table-scroll">
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
              {rows.map((row, index) => (
                <tr key={`${row.cells.join('|')}#${index}`}>
                  {row.cells.map((cell, column) => (
                    <td key={column}>{cell}</td>
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
              ))}
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
