import type { MeshModel } from '../model/mesh.ts';
import { buildRegistry } from '../registry/registry.ts';
import type { Table } from '../xds/tables.ts';
import { bindWaypoint, waypointIndex } from './binding.ts';
import { acceptsHbone } from './enrolment.ts';

export interface ZtunnelConfigTables {
  workloads: Table;
  services: Table;
}

/**
 * What ztunnel knows of the mesh, as `istioctl ztunnel-config workloads` and `services` print it: each pod's address,
 * node, waypoint and protocol (HBONE for ambient pods, and sidecars that declare networking.istio.io/tunnel=http;
 * TCP otherwise: pilot/pkg/serviceregistry/ambient/workloads.go setTunnelProtocol), each Service's VIP, waypoint
 * and healthy/total endpoints.
 */
export function ztunnelConfigTables(model: MeshModel, clusterDomain = 'cluster.local'): ZtunnelConfigTables {
  const waypoints = waypointIndex(model);
  const workloadRows = [...model.pods]
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))
    .map((pod) => {
      const binding = bindWaypoint(
        { kind: 'workload', namespace: pod.namespace, labels: pod.labels },
        model.namespaces,
        waypoints,
      );
      const hbone = pod.dataPlane.mode === 'ambient' || acceptsHbone(model, pod);
      return {
        cells: [
          pod.namespace,
          pod.name,
          pod.ip,
          pod.nodeName ?? '-',
          binding.waypoint?.name ?? 'None',
          hbone ? 'HBONE' : 'TCP',
        ],
        sources: [pod.source],
      };
    });
  const registry = buildRegistry(model, clusterDomain);
  const serviceRows = [...registry.services]
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.hostname.localeCompare(b.hostname))
    .map((service) => {
      const labels =
        service.registry === 'Kubernetes'
          ? model.services.find((s) => s.name === service.name && s.namespace === service.namespace)?.labels
          : (model.istio.get('ServiceEntry') ?? []).find(
              (s) => s.name === service.name && s.namespace === service.namespace,
            )?.labels;
      const binding = bindWaypoint(
        { kind: 'service', namespace: service.namespace, labels: labels ?? new Map() },
        model.namespaces,
        waypoints,
      );
      // One endpoint per address (each service port lists it again).
      const endpoints = new Map<string, boolean>();
      for (const e of registry.endpoints.get(service) ?? [])
        endpoints.set(e.address, (endpoints.get(e.address) ?? false) || e.health === 'Healthy');
      const healthy = [...endpoints.values()].filter(Boolean).length;
      return {
        cells: [
          service.namespace,
          service.hostname,
          service.clusterIPs[0] ?? service.autoAllocatedAddress ?? '-',
          binding.waypoint?.name ?? 'None',
          `${healthy}/${endpoints.size}`,
        ],
        sources: [service.source],
      };
    });
  return {
    workloads: { headers: ['NAMESPACE', 'POD NAME', 'ADDRESS', 'NODE', 'WAYPOINT', 'PROTOCOL'], rows: workloadRows },
    services: { headers: ['NAMESPACE', 'SERVICE NAME', 'SERVICE VIP', 'WAYPOINT', 'ENDPOINTS'], rows: serviceRows },
  };
}
