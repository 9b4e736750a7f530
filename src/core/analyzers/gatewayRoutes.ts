/**
 * Gateway API routes a Gateway refused (status Accepted=False, computed by gatewayapi/ as istiod's status controller
 * does: pilot/pkg/config/kube/gateway/conversion.go), as findings about the hosts they name, so that a 404 at a gateway
 * for one of those hosts says which route was not attached and why.
 */
import type { Diagnostic } from '../manifest/diagnostic.ts';
import type { ManifestObject } from '../manifest/parse.ts';
import type { FindingSubject } from './context.ts';

const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute']);

/** The key under which a refused route is found for a request host. */
export const refusedRouteKey = (host: string): string => `gateway-route|${host}`;

/** The keys a request host is looked up by: itself, each wildcard above it, and `*`. */
export function refusedRouteKeys(host: string): string[] {
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  const keys = [refusedRouteKey(labels.join('.'))];
  for (let i = 1; i < labels.length; i++) keys.push(refusedRouteKey(`*.${labels.slice(i).join('.')}`));
  keys.push(refusedRouteKey('*'));
  return keys;
}

export function refusedRouteFindings(
  objects: readonly ManifestObject[],
  diagnostics: readonly Diagnostic[],
): FindingSubject[] {
  const refused = diagnostics.filter((d) => d.code === 'ROUTE_NOT_ACCEPTED');
  if (refused.length === 0) return [];
  // Routes by file, in order of their first line: each finding is found in its route by a binary search.
  const routesByFile = new Map<string, ManifestObject[]>();
  for (const object of objects) {
    if (!ROUTE_KINDS.has(object.kind)) continue;
    const list = routesByFile.get(object.file) ?? [];
    list.push(object);
    routesByFile.set(object.file, list);
  }
  for (const list of routesByFile.values()) list.sort((a, b) => a.range.start.line - b.range.start.line);
  const subjects: FindingSubject[] = [];
  for (const diagnostic of refused) {
    const list = routesByFile.get(diagnostic.file) ?? [];
    let low = 0;
    let high = list.length - 1;
    let route: ManifestObject | undefined;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const candidate = list[mid];
      if (!candidate) break;
      if (candidate.range.start.line <= diagnostic.range.start.line) {
        route = candidate;
        low = mid + 1;
      } else high = mid - 1;
    }
    if (!route || route.range.end.line < diagnostic.range.start.line) continue;
    const spec = Object.hasOwn(route.value, 'spec') ? route.value['spec'] : undefined;
    const written =
      typeof spec === 'object' && spec !== null && Object.hasOwn(spec, 'hostnames')
        ? (spec as Record<string, unknown>)['hostnames']
        : undefined;
    const hostnames = Array.isArray(written) ? written.filter((h): h is string => typeof h === 'string') : [];
    const object = { kind: route.kind, namespace: route.namespace, name: route.name };
    for (const host of hostnames.length > 0 ? hostnames : ['*'])
      subjects.push({ diagnostic, object, about: { host: refusedRouteKey(host.toLowerCase()) } });
  }
  return subjects;
}
