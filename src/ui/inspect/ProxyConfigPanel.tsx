import { useMemo, useState } from 'react';
import { computeProxyConfig, proxyConfigTables, type ProxyConfigTables, type Table } from '../../core/index.ts';
import { useWorkspace } from '../../state/store.ts';

const KINDS = ['listeners', 'routes', 'clusters', 'endpoints'] as const;
type Kind = (typeof KINDS)[number];

/** istioctl proxy-config for the chosen pod: four tables, filterable, each row linked to the objects that produced it. */
export function ProxyConfigPanel() {
  const analysis = useWorkspace((s) => s.analysis);
  const revealRange = useWorkspace((s) => s.revealRange);
  const proxies = useMemo(() => analysis.model.pods.filter((p) => p.proxy.kind !== 'none'), [analysis]);
  const [chosen, setChosen] = useState<string>('');
  const [kind, setKind] = useState<Kind>('listeners');
  const [filter, setFilter] = useState('');
  // The pod the user picked here, else the trace's source pod when it has a proxy, else the first proxy.
  const trace = useWorkspace((s) => s.trace);
  const fromTrace = trace?.ok ? trace.trace.request.from : undefined;
  const valid = (ref: string | undefined) =>
    ref !== undefined && proxies.some((p) => `${p.namespace}/${p.name}` === ref);
  const podRef = valid(chosen)
    ? chosen
    : valid(fromTrace)
      ? (fromTrace ?? '')
      : proxies[0]
        ? `${proxies[0].namespace}/${proxies[0].name}`
        : '';

  const result = useMemo(() => (podRef ? computeProxyConfig(analysis, podRef) : undefined), [analysis, podRef]);
  const tables: ProxyConfigTables | undefined = result?.ok ? proxyConfigTables(result.config) : undefined;
  const table: Table | undefined = tables?.[kind];
  const needle = filter.trim().toLowerCase();
  const rows = table
    ? table.rows.filter((row) => needle === '' || row.cells.some((cell) => cell.toLowerCase().includes(needle)))
    : [];

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
              const ref = `${p.namespace}/${p.name}`;
              const onPath = trace?.ok && trace.trace.hops.some((h) => h.proxy === ref);
              return (
                <option key={ref} value={ref}>
                  {ref} ({p.proxy.kind}){onPath ? ' · on the path' : ''}
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
      {result && !result.ok && <p className="panel-empty">{result.reason}</p>}
      {result?.ok && (
        <p className="scope-note">
          {result.scope.sidecarReason}. Outbound traffic policy: {result.scope.outboundTrafficPolicy}
          {result.scope.outboundTrafficPolicySource
            ? ` (from ${result.scope.outboundTrafficPolicySource.kind} ${result.scope.outboundTrafficPolicySource.name})`
            : ' (Istio default)'}
          .
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
        </div>
      )}
    </section>
  );
}
