/** The analyzers' findings that concern a trace step: about one of its sources, or about what it decided on. */
import { objectKey, subsetKey, type FindingIndex } from '../analyzers/findings.ts';
import { refusedRouteKeys } from '../analyzers/gatewayRoutes.ts';
import type { Diagnostic } from '../manifest/diagnostic.ts';
import type { SimulatedStep, TraceHop } from '../simulate/facts.ts';

/**
 * `outbound|9080|v2|reviews.default.svc.cluster.local` → its host and subset
 * (pilot/pkg/model/service.go: BuildSubsetKey).
 */
function clusterSubset(cluster: string | undefined): { host: string; subset: string } | undefined {
  const parts = cluster?.split('|');
  if (!parts || parts.length !== 4 || parts[0] !== 'outbound' || !parts[2] || !parts[3]) return undefined;
  return { host: parts[3], subset: parts[2] };
}

/** `reviews.default.svc.cluster.local:9080` → the host. */
const virtualHostName = (name: string | undefined) => name?.replace(/:\d+$/, '');

/** Looks up the findings for one step: a few map lookups, never a scan of every finding. */
export function stepFindings(
  step: SimulatedStep,
  hops: readonly TraceHop[],
  index: FindingIndex,
  hostHeader?: string,
): Diagnostic[] {
  const found: Diagnostic[] = [];
  const add = (list: readonly Diagnostic[] | undefined) => {
    for (const d of list ?? []) if (!found.includes(d)) found.push(d);
  };
  for (const source of step.sources) add(index.byObject.get(objectKey(source)));
  const hop = step.hop !== undefined ? hops[step.hop] : undefined;
  const fact = step.fact;
  // Which VirtualService a sidecar uses for a host (IST0109) is decided where the route is picked.
  if (fact.kind === 'route' && fact.by === 'match' && hop?.direction === 'outbound') {
    const host = virtualHostName(hop.virtualHost);
    if (host) add(index.byHost.get(host));
  }
  if (fact.kind === 'cluster' || fact.kind === 'endpoint') {
    const subset = clusterSubset(fact.kind === 'cluster' && fact.by === 'service' ? fact.cluster : hop?.cluster);
    if (subset && (fact.kind === 'cluster' || fact.by === 'loadBalancer'))
      add(index.bySubset.get(subsetKey(subset.host, subset.subset)));
  }
  if (fact.kind === 'outcome' && fact.end.reason === 'NO_HEALTHY_UPSTREAM') {
    const subset = clusterSubset(fact.end.cluster);
    if (subset) add(index.bySubset.get(subsetKey(subset.host, subset.subset)));
  }
  // A 404 at a gateway for a host that a refused Gateway API route names: that route was not attached, and why.
  const notFound = fact.kind === 'outcome' && (fact.end.reason === 'NO_ROUTE' || fact.end.reason === 'NO_VIRTUAL_HOST');
  // The outcome step belongs to no hop: the request ended at the last proxy it reached.
  if (notFound && (hop ?? hops.at(-1))?.direction === 'gateway' && hostHeader)
    for (const key of refusedRouteKeys(hostHeader.replace(/:\d+$/, ''))) add(index.byHost.get(key));
  // A Sidecar that hides a host under ALLOW_ANY (SIDECAR_HIDES_HOSTS) is why the request passes through.
  if (fact.kind === 'cluster' && fact.by === 'passthrough' && fact.unknown.cause.cause === 'hiddenBySidecar') {
    const [namespace, name] = fact.unknown.cause.sidecar.split('/');
    if (namespace && name) add(index.byObject.get(objectKey({ kind: 'Sidecar', namespace, name })));
  }
  return found;
}
