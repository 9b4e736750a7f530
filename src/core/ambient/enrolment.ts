import type { MeshModel, PodModel } from '../model/mesh.ts';
import type { DataPlane } from './types.ts';

export type { DataPlane, DataPlaneMode } from './types.ts';

/** The label that enrols a Namespace or a Pod in ambient mode (`none` on a pod opts it out). */
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';

/**
 * Ambient enrolment as istio-cni decides it (cni/pkg/util/enablement_selector.go: Matches, with the default
 * enablement selectors of the istio-cni chart): a host-network pod or a pod with a sidecar is never captured;
 * otherwise the pod's own `istio.io/dataplane-mode` wins over its namespace's.
 */
export function decideDataPlane(
  pod: {
    labels: ReadonlyMap<string, string>;
    hostNetwork: boolean;
    proxyKind: 'sidecar' | 'gateway' | 'none';
    proxyReason: string;
  },
  namespace: { name: string; labels: ReadonlyMap<string, string> } | undefined,
): DataPlane {
  const podMode = pod.labels.get(DATAPLANE_MODE_LABEL);
  const namespaceMode = namespace?.labels.get(DATAPLANE_MODE_LABEL);
  const wantsAmbient = podMode === 'ambient' || (podMode !== 'none' && namespaceMode === 'ambient');
  if (pod.proxyKind !== 'none') {
    const mode = pod.proxyKind;
    if (!wantsAmbient) return { mode, reason: pod.proxyReason };
    return {
      mode,
      reason:
        `${pod.proxyReason}; it is also labelled for ambient, but istio-cni does not capture a pod that has a ` +
        `sidecar, so the ${mode === 'gateway' ? 'gateway proxy' : 'sidecar'} carries its traffic and ztunnel does not`,
    };
  }
  if (!wantsAmbient) {
    if (podMode === 'none' && namespaceMode === 'ambient')
      return {
        mode: 'none',
        reason: `the pod has the label ${DATAPLANE_MODE_LABEL}=none, opting out of its ambient namespace`,
      };
    return { mode: 'none', reason: pod.proxyReason };
  }
  if (pod.hostNetwork)
    return { mode: 'none', reason: 'the pod uses the host network: istio-cni cannot redirect its traffic to ztunnel' };
  return {
    mode: 'ambient',
    reason:
      podMode === 'ambient'
        ? `the pod has the label ${DATAPLANE_MODE_LABEL}=ambient: its traffic goes through the node's ztunnel`
        : `namespace ${namespace?.name ?? ''} has the label ${DATAPLANE_MODE_LABEL}=ambient: ` +
          "its traffic goes through the node's ztunnel",
  };
}

/**
 * Whether a pod with a sidecar takes HBONE: it has networking.istio.io/tunnel=http (workloads.go: setTunnelProtocol).
 * The injector adds that label when the mesh's proxyMetadata has ISTIO_META_ENABLE_HBONE=true, which Istio's ambient
 * profile sets (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml, profile-ambient.yaml):
 * so a pod Meshpath injects gets it unless a given mesh config leaves it out.
 */
export function acceptsHbone(model: Pick<MeshModel, 'meshConfig'>, pod: PodModel): boolean {
  const tunnel = pod.labels.get('networking.istio.io/tunnel');
  if (tunnel !== undefined) return tunnel.split(',').includes('http');
  // Only a sidecar Meshpath injects (decideProxy's reason) gets the injector's labels.
  if (pod.proxy.kind !== 'sidecar' || !pod.proxy.reason.startsWith('injected:')) return false;
  const flag = pod.proxy.proxyMetadata.get('ISTIO_META_ENABLE_HBONE');
  return flag !== undefined ? flag === 'true' : model.meshConfig.source === undefined;
}
