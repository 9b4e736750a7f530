import { safeSuffix } from '../model/allocate.ts';
import type { Assumption, MeshConfig, PodModel, ServiceModel } from '../model/mesh.ts';
import type { ManagedGateway } from './translate.ts';

/** The label istiod's gateway Deployment and Service select pods by (kube-gateway.yaml: GatewayNameLabel). */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** gatewaycommon/deploymentcontroller.go: sanitizeListenerNameForPort, uniquePortName. */
function portName(name: string, port: number, used: Set<string>): string {
  let candidate = name.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  for (let suffix = `-${port}`; used.has(candidate); suffix += 'x') candidate = `${candidate}${suffix}`;
  used.add(candidate);
  return candidate;
}

/** The Service type: the networking.istio.io/service-type annotation, else LoadBalancer (deploymentcontroller.go). */
function serviceType(annotation: string | undefined): ServiceModel['type'] {
  return annotation === 'ClusterIP' || annotation === 'NodePort' ? annotation : 'LoadBalancer';
}

export interface GatewayDeployment {
  pods: PodModel[];
  services: ServiceModel[];
  assumptions: Assumption[];
}

/**
 * What istiod's deployment controller creates for a managed Gateway of class `istio`
 * (gatewaycommon/deploymentcontroller.go, manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml):
 * a Deployment `<name>-<class>` (or the name-override) running a gateway proxy, and a Service of the same name with a
 * status port and one port per listener port. Pods and Services already in the manifests (an export of a live cluster)
 * are kept instead.
 */
export function gatewayDeployments(
  gateways: readonly ManagedGateway[],
  existing: { services: ReadonlySet<string>; workloads: ReadonlySet<string> },
  mesh: MeshConfig,
): GatewayDeployment {
  const out: GatewayDeployment = { pods: [], services: [], assumptions: [] };
  for (const managed of gateways) {
    if (!managed.managed) continue;
    const { gateway, deploymentName } = managed;
    const key = `${gateway.namespace}/${deploymentName}`;
    const owner = { ...gateway.source, kind: 'Deployment', name: deploymentName };
    if (!existing.services.has(key)) {
      const used = new Set(['status-port']);
      const seen = new Set<number>();
      const ports: ServiceModel['ports'] = [
        {
          name: 'status-port',
          port: 15021,
          targetPort: 15021,
          protocol: 'TCP',
          appProtocol: 'tcp',
          nodePort: undefined,
        },
      ];
      // deploymentcontroller.go: extractServicePorts — the Gateway's listeners, then its accepted ListenerSets'.
      [...gateway.listeners, ...managed.listenerSets.flatMap((ls) => ls.listeners)].forEach((listener, index) => {
        if (seen.has(listener.port)) return;
        seen.add(listener.port);
        ports.push({
          name: portName(listener.name || `${listener.protocol.toLowerCase()}-${index}`, listener.port, used),
          port: listener.port,
          targetPort: listener.port,
          protocol: 'TCP',
          appProtocol: listener.protocol.toLowerCase(),
          nodePort: undefined,
        });
      });
      out.services.push({
        name: deploymentName,
        namespace: gateway.namespace,
        type: serviceType(gateway.annotations.get('networking.istio.io/service-type')),
        clusterIP: undefined,
        clusterIPs: [],
        externalName: undefined,
        selector: new Map([[GATEWAY_NAME_LABEL, gateway.name]]),
        ports,
        labels: new Map([
          ...gateway.infrastructureLabels,
          [GATEWAY_NAME_LABEL, gateway.name],
          ['gateway.networking.k8s.io/gateway-class-name', managed.className],
        ]),
        annotations: new Map(),
        internalTrafficPolicy: 'Cluster',
        publishNotReadyAddresses: false,
        order: gateway.order,
        source: owner,
      });
    }
    if (existing.workloads.has(key)) continue;
    const seed = `${key}/gateway`;
    const name = `${deploymentName}-${safeSuffix(`${seed}/template`, 10)}-${safeSuffix(`${seed}/0`, 5)}`;
    out.pods.push({
      name,
      namespace: gateway.namespace,
      labels: new Map([
        ['sidecar.istio.io/inject', 'false'],
        ['service.istio.io/canonical-name', deploymentName],
        ['service.istio.io/canonical-revision', 'latest'],
        ...gateway.infrastructureLabels,
        [GATEWAY_NAME_LABEL, gateway.name],
        ['gateway.networking.k8s.io/gateway-class-name', managed.className],
        ['gateway.istio.io/managed', 'istio.io-gateway-controller'],
      ]),
      annotations: new Map([['istio.io/rev', 'default']]),
      ip: '',
      ready: true,
      serviceAccount: gateway.annotations.get('gateway.istio.io/service-account') ?? deploymentName,
      nodeName: undefined,
      hostname: undefined,
      subdomain: undefined,
      hostNetwork: false,
      containerPorts: [],
      proxy: {
        kind: 'gateway',
        reason:
          `istiod deploys it for Gateway ${gateway.namespace}/${gateway.name} (class ${managed.className}): ` +
          'a gateway proxy (`proxy router`)',
        dnsCapture: false,
        dnsAutoAllocate: false,
        proxyMetadata: new Map(mesh.defaultProxyMetadata),
        interceptionMode: 'REDIRECT',
      },
      dataPlane: {
        mode: 'gateway',
        reason: `a gateway proxy istiod deploys for Gateway ${gateway.namespace}/${gateway.name}`,
      },
      capture: {
        includeOutboundIPRanges: ['*'],
        excludeOutboundIPRanges: [],
        includeOutboundPorts: [],
        excludeOutboundPorts: [],
        includeInboundPorts: ['*'],
        excludeInboundPorts: [],
      },
      assumed: true,
      owner,
      source: gateway.source,
    });
    out.assumptions.push({
      code: 'GATEWAY_DEPLOYED',
      message:
        `Gateway ${gateway.namespace}/${gateway.name} (class ${managed.className}): istiod deploys Deployment and ` +
        `Service ${deploymentName}; assumed 1 running, ready gateway pod.`,
      subject: gateway.source,
    });
  }
  return out;
}
