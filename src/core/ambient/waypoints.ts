import type { ObjectReader } from '../manifest/reader.ts';
import { readLabelSelector, selectorMatches } from '../model/labels.ts';
import type { WaypointModel, WaypointTrafficType } from './types.ts';

export type { WaypointModel, WaypointTrafficType } from './types.ts';
import type { Assumption, ObjectSource, PodModel, ServiceModel } from '../model/mesh.ts';

/** The Gateway class whose Gateways are waypoints (pilot/pkg/config/kube/gatewaycommon/classinfo.go). */
export const WAYPOINT_CLASS = 'istio-waypoint';
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
export const WAYPOINT_FOR_LABEL = 'istio.io/waypoint-for';
/** The HBONE port: ztunnel's inbound and a waypoint's listener. */
export const HBONE_PORT = 15008;

export interface GatewayApiGatewayInput {
  reader: ObjectReader;
  source: ObjectSource;
  name: string;
  namespace: string;
  order: number;
}

export interface WaypointDeployment {
  waypoints: WaypointModel[];
  /** The pods and Services istiod's deployment controller creates for waypoints the manifests do not deploy. */
  pods: PodModel[];
  services: ServiceModel[];
  assumptions: Assumption[];
}

function trafficTypeOf(value: string | undefined): WaypointTrafficType | undefined {
  return value === 'service' || value === 'workload' || value === 'all' || value === 'none' ? value : undefined;
}

/**
 * Reads the Gateways of class istio-waypoint and deploys what istiod would: a Deployment and a Service named like
 * the Gateway (no class suffix: classinfo.go DisableNameSuffix), pods labelled gateway-name, never captured
 * themselves (manifests/charts/istio-control/istio-discovery/files/waypoint.yaml).
 * `existing`: namespace/name of Services and of pods (by their gateway-name label) already in the manifests.
 */
export function readWaypoints(
  gateways: readonly GatewayApiGatewayInput[],
  classTrafficTypes: ReadonlyMap<string, string>,
  existing: {
    services: ReadonlySet<string>;
    podsByGateway: ReadonlyMap<string, ReadonlyArray<{ ready: boolean }>>;
  },
): WaypointDeployment {
  const out: WaypointDeployment = { waypoints: [], pods: [], services: [], assumptions: [] };
  for (const { reader, source, name, namespace, order } of gateways) {
    const className = reader.string(['spec', 'gatewayClassName']);
    if (className !== WAYPOINT_CLASS) continue;
    const labels = reader.stringMap(['metadata', 'labels']);
    // waypoints.go: gatewayToWaypointTransform — the Gateway's label wins over its class's, default service.
    const written = labels.get(WAYPOINT_FOR_LABEL) ?? classTrafficTypes.get(className);
    // An unknown value is kept as written and matches neither service nor workload traffic: like `none`.
    const trafficType = written === undefined ? 'service' : (trafficTypeOf(written) ?? 'none');
    if (written !== undefined && trafficTypeOf(written) === undefined)
      reader.report(
        'warning',
        'INVALID_VALUE',
        `${WAYPOINT_FOR_LABEL} must be service, workload, all or none; ` +
          `istiod treats "${written}" as none of them, so the waypoint takes no traffic.`,
        ['metadata', 'labels', WAYPOINT_FOR_LABEL],
      );
    const listeners = reader.list(['spec', 'listeners']);
    const hboneIndex = listeners.findIndex(
      (_, i) =>
        reader.get(['spec', 'listeners', i, 'protocol']) === 'HBONE' &&
        reader.get(['spec', 'listeners', i, 'port']) === HBONE_PORT,
    );
    let allowedFrom: WaypointModel['allowedFrom'] = { from: 'Same', selector: undefined };
    if (hboneIndex >= 0) {
      const from = reader.string(['spec', 'listeners', hboneIndex, 'allowedRoutes', 'namespaces', 'from']);
      if (from === 'All') allowedFrom = { from, selector: undefined };
      else if (from === 'Selector')
        allowedFrom = {
          from,
          selector: readLabelSelector(
            reader.get(['spec', 'listeners', hboneIndex, 'allowedRoutes', 'namespaces', 'selector']),
          ),
        };
    } else {
      reader.report(
        'warning',
        'INVALID_VALUE',
        `Waypoint ${namespace}/${name} has no listener with protocol HBONE on port ${HBONE_PORT}; ` +
          `ztunnel sends to a waypoint on ${HBONE_PORT}.`,
        ['spec', 'listeners'],
      );
    }
    const key = `${namespace}/${name}`;
    // waypoints.go: a Gateway without status.addresses (no ready pod yet) is not a waypoint at all.
    const statusAddresses = reader.list(['status', 'addresses']);
    const hasStatus = reader.get(['status']) !== undefined;
    const pods = existing.podsByGateway.get(key);
    let ready = true;
    let notReadyReason: string | undefined;
    if (statusAddresses.length > 0) ready = true;
    else if (pods !== undefined) {
      ready = pods.some((p) => p.ready);
      if (!ready) notReadyReason = `none of its ${pods.length} pod${pods.length > 1 ? 's' : ''} is ready`;
    } else if (hasStatus) {
      ready = false;
      notReadyReason = 'its status has no address, which istiod writes only once a waypoint pod is ready';
    }
    if (pods === undefined && ready) {
      out.pods.push(waypointPod(name, namespace, className, source));
      out.assumptions.push({
        code: 'POD_FROM_TEMPLATE',
        message: `Waypoint ${key} has no pod in the manifests: assumed istiod deployed one ready pod for it.`,
        subject: source,
      });
    }
    if (!existing.services.has(key)) out.services.push(waypointService(name, namespace, className, source, order));
    out.waypoints.push({
      name,
      namespace,
      trafficType,
      allowedFrom,
      hasHboneListener: hboneIndex >= 0,
      ready,
      notReadyReason,
      serviceName: name,
      source,
    });
  }
  return out;
}

function waypointPod(name: string, namespace: string, className: string, source: ObjectSource): PodModel {
  const labels = new Map([
    ['sidecar.istio.io/inject', 'false'],
    ['istio.io/dataplane-mode', 'none'],
    ['service.istio.io/canonical-name', name],
    [GATEWAY_NAME_LABEL, name],
    ['gateway.networking.k8s.io/gateway-class-name', className],
  ]);
  const reason = `istiod deployed it for the waypoint Gateway ${namespace}/${name}`;
  return {
    name: `${name}-0`,
    namespace,
    labels,
    annotations: new Map(),
    ip: '',
    ready: true,
    serviceAccount: name,
    nodeName: undefined,
    hostname: undefined,
    subdomain: undefined,
    hostNetwork: false,
    containerPorts: [{ name: 'mesh', containerPort: HBONE_PORT, protocol: 'TCP' }],
    proxy: {
      kind: 'gateway',
      reason,
      dnsCapture: false,
      dnsAutoAllocate: false,
      proxyMetadata: new Map(),
      interceptionMode: 'REDIRECT',
    },
    dataPlane: { mode: 'gateway', reason: `a waypoint proxy: ${reason}` },
    capture: {
      includeOutboundIPRanges: [],
      excludeOutboundIPRanges: [],
      includeOutboundPorts: [],
      excludeOutboundPorts: [],
      includeInboundPorts: [],
      excludeInboundPorts: [],
    },
    assumed: true,
    owner: source,
    source,
  };
}

function waypointService(
  name: string,
  namespace: string,
  className: string,
  source: ObjectSource,
  order: number,
): ServiceModel {
  return {
    name,
    namespace,
    type: 'ClusterIP',
    clusterIP: undefined,
    clusterIPs: [],
    externalName: undefined,
    selector: new Map([[GATEWAY_NAME_LABEL, name]]),
    ports: [
      {
        name: 'status-port',
        port: 15021,
        targetPort: 15021,
        protocol: 'TCP',
        appProtocol: undefined,
        nodePort: undefined,
      },
      {
        name: 'mesh',
        port: HBONE_PORT,
        targetPort: HBONE_PORT,
        protocol: 'TCP',
        appProtocol: undefined,
        nodePort: undefined,
      },
    ],
    labels: new Map([
      [GATEWAY_NAME_LABEL, name],
      ['gateway.networking.k8s.io/gateway-class-name', className],
      ['gateway.istio.io/managed', 'istio.io-mesh-controller'],
    ]),
    annotations: new Map(),
    internalTrafficPolicy: 'Cluster',
    publishNotReadyAddresses: false,
    order,
    source,
  };
}

/** waypoints.go: AllowsAttachmentFromNamespace. */
export function allowsAttachmentFrom(
  waypoint: WaypointModel,
  namespace: { name: string; labels: ReadonlyMap<string, string> },
): boolean {
  if (waypoint.allowedFrom.from === 'All') return true;
  // The API server labels every Namespace with kubernetes.io/metadata.name (its name), which selectors often use.
  if (waypoint.allowedFrom.from === 'Selector' && waypoint.allowedFrom.selector)
    return selectorMatches(
      waypoint.allowedFrom.selector,
      new Map([...namespace.labels, ['kubernetes.io/metadata.name', namespace.name]]),
    );
  return waypoint.namespace === namespace.name;
}
