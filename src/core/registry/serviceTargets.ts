import { compareCreationTimes } from '../model/creation.ts';
import { labelsMatch } from '../model/labels.ts';
import type { PodModel } from '../model/mesh.ts';
import type { Registry, Service, ServicePort } from './registry.ts';

/** One port a workload serves for a service: the service port and the port on the pod (model.ServiceTarget). */
export interface ServiceTarget {
  service: Service;
  servicePort: ServicePort;
  targetPort: number;
}

/**
 * The port on the pod a Service port names: a number, or a container port of that name and protocol
 * (kube/controller/util.go: FindPort).
 */
function findPort(pod: PodModel, target: number | string, protocol: string): number | undefined {
  if (typeof target === 'number') return target;
  return pod.containerPorts.find((p) => p.name === target && p.protocol === protocol)?.containerPort;
}

/**
 * The services a pod serves, oldest service first, equal creation times by hostname (pilot/pkg/model/context.go:
 * SetServiceTargets): from Kubernetes, the Services of its namespace whose selector picks it, or failing that the
 * Services whose endpoints list its IP (kube/controller/controller.go: GetProxyServiceTargets); from ServiceEntries of
 * its namespace, those with an endpoint at its IP, which includes the pods a workloadSelector picks
 * (serviceentry/controller.go: GetProxyServiceTargets).
 */
export function proxyServiceTargets(registry: Registry, pod: PodModel): ServiceTarget[] {
  if (!pod.ip) return [];
  const atPodIp = (service: Service): ServiceTarget[] =>
    (registry.endpoints.get(service) ?? []).flatMap((endpoint) => {
      const servicePort =
        endpoint.address === pod.ip && !endpoint.isHostname
          ? service.ports.find((p) => p.name === endpoint.servicePortName)
          : undefined;
      return servicePort ? [{ service, servicePort, targetPort: endpoint.port }] : [];
    });
  const kube: ServiceTarget[] = [];
  const external: ServiceTarget[] = [];
  for (const service of registry.services) {
    if (service.namespace !== pod.namespace) continue;
    if (service.registry === 'External') {
      external.push(...atPodIp(service));
      continue;
    }
    // kube/controller/util.go: getPodServices — an empty selector selects nothing.
    if (!service.selector || !labelsMatch(service.selector, pod.labels)) continue;
    const seen = new Set<string>();
    for (const port of service.ports) {
      const target = findPort(
        pod,
        service.targetPorts?.get(port.port) ?? port.port,
        port.protocol === 'UDP' ? 'UDP' : 'TCP',
      );
      // kube/controller/controller.go: GetProxyServiceTargetsByPod — one target per (port, protocol) of a Service.
      if (target === undefined || seen.has(`${target}/${port.protocol}`)) continue;
      seen.add(`${target}/${port.protocol}`);
      kube.push({ service, servicePort: port, targetPort: target });
    }
  }
  // No Service selects the pod: Services (headless, without selector) whose endpoints list its IP.
  const fromKube =
    kube.length > 0 ? kube : registry.services.filter((s) => s.registry === 'Kubernetes').flatMap(atPodIp);
  return [...fromKube, ...external]
    .map((target, index) => ({ target, index }))
    .sort(
      (a, b) =>
        compareCreationTimes(a.target.service.creationTime, b.target.service.creationTime) ||
        compareHostnames(a.target.service.hostname, b.target.service.hostname) ||
        a.index - b.index,
    )
    .map(({ target }) => target);
}

const compareHostnames = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The distinct target ports of a pod's services, the oldest service winning a shared one; UDP ports get no inbound
 * chain (pilot/pkg/networking/core/listener_inbound.go: getFilterChainsByServicePort).
 */
export function inboundServiceTargets(registry: Registry, pod: PodModel): ServiceTarget[] {
  const out: ServiceTarget[] = [];
  const seen = new Set<number>();
  for (const target of proxyServiceTargets(registry, pod)) {
    if (target.servicePort.protocol === 'UDP' || seen.has(target.targetPort)) continue;
    seen.add(target.targetPort);
    out.push(target);
  }
  return out;
}
