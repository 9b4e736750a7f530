import type { Trace } from '../explain/trace.ts';
import { DEFAULT_CLUSTER_DOMAIN, resolveShortname } from '../model/host.ts';
import { labelsMatch } from '../model/labels.ts';
import type { MeshModel, PodModel } from '../model/mesh.ts';
import { buildRegistry } from '../registry/registry.ts';
import type { SimulatedRequest } from '../simulate/facts.ts';
import { APP_PROTOCOLS, type AppProtocol } from '../simulate/request.ts';
import { sourceRef, type DestinationEnd } from './ends.ts';
import { destinationText, preferredName } from './suggest.ts';

/** The request the other way round: from the pod the request reached, back to the pod it came from. */
export type ReverseRequest = { ok: true; from: string; to: string; note: string } | { ok: false; reason: string };

const SCHEME: Record<AppProtocol, string | undefined> = {
  http: 'http',
  https: 'https',
  grpc: 'grpc',
  http2: 'h2c',
  tcp: 'tcp',
  tls: 'tls',
};

/**
 * The same request sent straight to one endpoint (`10.0.0.7:9080`), bypassing the Service's name: the scheme, path
 * and query of the traced request are kept, so only the address changes.
 */
export function directDestination(request: Pick<SimulatedRequest, 'protocol' | 'path'>, address: string): string {
  const scheme = APP_PROTOCOLS.includes(request.protocol) ? SCHEME[request.protocol] : undefined;
  const path = request.protocol === 'tcp' || request.protocol === 'tls' ? '' : request.path;
  return scheme ? `${scheme}://${address}${path}` : address;
}

/** The pod a trace ended at: the last inbound proxy, else the pod behind the endpoint the last proxy chose. */
function reachedPod(model: MeshModel, trace: Trace): PodModel | undefined {
  const byRef = (ref: string) => model.pods.find((p) => `${p.namespace}/${p.name}` === ref);
  const last = trace.hops.at(-1);
  if (last && (last.direction === 'inbound' || last.direction === 'ztunnel-inbound')) {
    const pod = byRef(last.proxy);
    if (pod) return pod;
  }
  const endpoint = [...trace.hops].reverse().find((h) => h.endpoint)?.endpoint;
  const ip = endpoint?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return ip ? model.pods.find((p) => p.ip === ip) : undefined;
}

/**
 * Swaps the ends of a traced request: the new source is the pod the request reached (for a request that reached no
 * pod, the first ready pod of the Service it asked for), the new destination the Service that selects the old source
 * pod (its first port), or that pod's own address when no Service selects it.
 */
export function reverseRequest(
  model: MeshModel,
  trace: Trace,
  ends: readonly DestinationEnd[],
  clusterDomain = DEFAULT_CLUSTER_DOMAIN,
): ReverseRequest {
  const [fromNamespace = ''] = trace.request.from.split('/');
  let target = reachedPod(model, trace);
  let note = '';
  if (!target) {
    const fqdn = resolveShortname(trace.request.host, fromNamespace, clusterDomain);
    const end =
      ends.find((e) => e.names.includes(trace.request.host) && e.names.includes(fqdn)) ??
      ends.find((e) => e.names.includes(fqdn));
    const ready = end?.readyPod;
    target = ready ? model.pods.find((p) => `${p.namespace}/${p.name}` === ready) : undefined;
    if (!target)
      return {
        ok: false,
        reason:
          `The request reached no pod, and ${trace.request.host} has no ready pod in the manifests ` + 'to start from.',
      };
    note = `the request reached no pod: from a ready pod of ${trace.request.host}`;
  }
  const source = model.pods.find((p) => `${p.namespace}/${p.name}` === trace.request.from);
  if (!source) return { ok: false, reason: `The source pod ${trace.request.from} is not in the manifests.` };
  const from = sourceRef(target);
  // The Services whose selector picks the old source pod, oldest first (registry order).
  const selecting = buildRegistry(model, clusterDomain).services.find(
    (s) =>
      s.registry === 'Kubernetes' &&
      s.namespace === source.namespace &&
      s.selector !== undefined &&
      s.selector.size > 0 &&
      labelsMatch(s.selector, source.labels),
  );
  const end = selecting ? ends.find((e) => e.names.includes(selecting.hostname)) : undefined;
  if (end) {
    const to = destinationText(preferredName(end, target.namespace), end.ports[0]);
    return { ok: true, from, to, note: note || `${end.label} selects ${trace.request.from}` };
  }
  const port = source.containerPorts[0]?.containerPort;
  const to = port !== undefined ? `${source.ip}:${port}` : source.ip;
  return {
    ok: true,
    from,
    to,
    note: note || `no Service selects ${trace.request.from}: its address`,
  };
}
