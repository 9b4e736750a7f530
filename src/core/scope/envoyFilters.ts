/**
 * The EnvoyFilters istiod would merge into one proxy's config. Meshpath does not apply their patches; it names them so
 * a trace can say which proxies on the path they would change.
 */
import { field } from '../manifest/parse.ts';
import { labelsMatch, toStringMap } from '../model/labels.ts';
import type { MeshModel, ObjectSource, PodModel } from '../model/mesh.ts';

export interface EnvoyFilterPatch {
  /** LISTENER, FILTER_CHAIN, HTTP_FILTER, ROUTE_CONFIGURATION, CLUSTER, ... */
  applyTo: string;
  /** ANY, SIDECAR_INBOUND, SIDECAR_OUTBOUND or GATEWAY (ANY when the patch names none). */
  context: string;
  /** MERGE, ADD, REMOVE, INSERT_BEFORE, ... */
  operation: string;
}

export interface SelectedEnvoyFilter {
  namespace: string;
  name: string;
  /** How it selects the proxy: every proxy of its namespace (or of the mesh, from the root namespace), by labels, or
   * as the Gateway API gateway it targets. */
  by: 'namespace' | 'rootNamespace' | 'workloadSelector' | 'targetRef';
  patches: EnvoyFilterPatch[];
  source: ObjectSource;
}

const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

/**
 * EnvoyFilters of the root namespace and of the proxy's namespace, each attached by its workloadSelector or, for a
 * Gateway API gateway, its targetRefs (pilot/pkg/model/push_context.go: EnvoyFilters;
 * pilot/pkg/model/policyattachment.go: ShouldAttachPolicy).
 */
export function envoyFiltersFor(model: MeshModel, pod: PodModel): SelectedEnvoyFilter[] {
  if (pod.proxy.kind === 'none') return [];
  const root = model.meshConfig.rootNamespace;
  const gatewayName = pod.labels.get(GATEWAY_NAME_LABEL);
  const out: SelectedEnvoyFilter[] = [];
  for (const filter of model.istio.get('EnvoyFilter') ?? []) {
    if (filter.namespace !== root && filter.namespace !== pod.namespace) continue;
    const spec = filter.spec;
    const selector = field(spec, 'workloadSelector');
    const targetRefs = [
      field(spec, 'targetRef'),
      ...(Array.isArray(field(spec, 'targetRefs')) ? (field(spec, 'targetRefs') as unknown[]) : []),
    ].filter((ref) => ref !== undefined && ref !== null);
    let by: SelectedEnvoyFilter['by'] | undefined;
    if (targetRefs.length > 0) {
      // targetRefs attach only to the Gateway API gateway they name, in their own namespace.
      const targets = gatewayName !== undefined && filter.namespace === pod.namespace;
      const named = targetRefs.some(
        (ref) =>
          field(ref, 'kind') === 'Gateway' &&
          field(ref, 'group') === 'gateway.networking.k8s.io' &&
          field(ref, 'name') === gatewayName &&
          text(field(ref, 'namespace'), pod.namespace) === pod.namespace,
      );
      if (targets && named) by = 'targetRef';
    } else if (selector === undefined || selector === null) {
      by = filter.namespace === root && root !== pod.namespace ? 'rootNamespace' : 'namespace';
    } else if (labelsMatch(toStringMap(field(selector, 'labels')), pod.labels)) {
      by = 'workloadSelector';
    }
    if (!by) continue;
    const patches = field(spec, 'configPatches');
    out.push({
      namespace: filter.namespace,
      name: filter.name,
      by,
      patches: (Array.isArray(patches) ? patches : []).map((patch) => ({
        applyTo: text(field(patch, 'applyTo'), 'INVALID'),
        context: text(field(field(patch, 'match'), 'context'), 'ANY'),
        operation: text(field(field(patch, 'patch'), 'operation'), 'INVALID'),
      })),
      source: filter.source,
    });
  }
  return out;
}
