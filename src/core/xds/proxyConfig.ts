import { waypointOfPod } from '../ambient/binding.ts';
import type { MeshModel, PodModel } from '../model/mesh.ts';
import { DerivedCache } from '../model/memo.ts';
import { buildGatewayScope, buildSidecarScope, type ScopeInputs, type SidecarScope } from '../scope/sidecarScope.ts';
import { buildClusters } from './clusters.ts';
import { buildGatewayProxyConfig } from './gateway.ts';
import type { ProxyContext } from './context.ts';
import { buildInboundListener } from './inbound.ts';
import { buildOutboundListeners, buildVirtualOutboundListener } from './listeners.ts';
import { buildNameTable } from './nameTable.ts';
import { buildOutboundRouteConfigurations } from './routes.ts';
import type { ProxyConfig } from './types.ts';
import { buildWaypointProxyConfig } from './waypoint.ts';

export function proxyContext(pod: PodModel, inputs: ScopeInputs): ProxyContext {
  const scope: SidecarScope =
    pod.proxy.kind === 'gateway'
      ? buildGatewayScope(pod.namespace, inputs, pod.labels)
      : buildSidecarScope(pod, inputs);
  return { pod, scope, registry: inputs.registry, mesh: inputs.model.meshConfig, clusterDomain: inputs.clusterDomain };
}

// A user looks at a few proxies at a time: the configs of the 32 last used pods are kept per model.
const proxyConfigs = new DerivedCache<ScopeInputs, PodModel, { config: ProxyConfig; ctx: ProxyContext }>(32);

/**
 * What istiod would push to this pod's proxy, a gateway's or a sidecar's, with the context it was built in. Built once
 * per scope inputs and pod (what-if settings give other inputs or another pod); callers must not change it.
 */
export function buildProxyConfig(pod: PodModel, inputs: ScopeInputs): { config: ProxyConfig; ctx: ProxyContext } {
  return proxyConfigs.get(inputs, pod, () => generateProxyConfig(pod, inputs));
}

function generateProxyConfig(pod: PodModel, inputs: ScopeInputs): { config: ProxyConfig; ctx: ProxyContext } {
  // A pod of a Gateway of class istio-waypoint gets the waypoint's config (listener_waypoint.go).
  const waypoint = pod.proxy.kind === 'gateway' ? waypointOfPod(inputs.model, pod) : undefined;
  if (waypoint) return buildWaypointProxyConfig(pod, waypoint, inputs);
  const ctx = proxyContext(pod, inputs);
  return {
    config:
      pod.proxy.kind === 'gateway'
        ? buildGatewayProxyConfig(ctx, inputs.model, inputs)
        : buildSidecarProxyConfig(ctx, inputs.model),
    ctx,
  };
}

/**
 * Everything istiod would push to a sidecar: listeners, route configurations, clusters, endpoints and the DNS name
 * table.
 */
export function buildSidecarProxyConfig(ctx: ProxyContext, model: MeshModel): ProxyConfig {
  const outbound = buildOutboundListeners(ctx);
  const inbound = buildInboundListener(ctx, model);
  const { clusters, endpoints } = buildClusters(ctx, model);
  return {
    proxy: { namespace: ctx.pod.namespace, name: ctx.pod.name, kind: 'sidecar', ip: ctx.pod.ip },
    // listener_builder.go: buildVirtualOutboundListener — none without iptables (interceptionMode NONE).
    listeners: [
      ...(ctx.pod.proxy.interceptionMode === 'NONE' ? [] : [buildVirtualOutboundListener(ctx)]),
      ...inbound.listeners,
      ...outbound,
    ],
    routes: [...buildOutboundRouteConfigurations(ctx, outbound), ...inbound.routes],
    clusters,
    endpoints,
    nameTable: ctx.pod.proxy.dnsCapture ? buildNameTable(ctx) : [],
  };
}
