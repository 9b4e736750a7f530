/**
 * What Meshpath knows about each Kubernetes and Istio kind: whether it is namespaced, and whether the
 * resolver models it (uses it to compute the path) or only lists it.
 */
export interface KindInfo {
  namespaced: boolean;
  modelled: boolean;
  /** Why a recognised kind is not modelled, in the user's terms. */
  note?: string;
  /** The apiVersions a cluster serves this kind under (checked only for modelled kinds). */
  apiVersions?: readonly string[];
}

const CORE = ['v1'];
const APPS = ['apps/v1'];
const BATCH = ['batch/v1'];
const ISTIO_NETWORKING = ['networking.istio.io/v1alpha3', 'networking.istio.io/v1beta1', 'networking.istio.io/v1'];
const ISTIO_SECURITY = ['security.istio.io/v1beta1', 'security.istio.io/v1'];
/** The versions of the Gateway API kinds a cluster with the standard and experimental CRDs serves. */
const GATEWAY_API_V1 = ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'];
const GATEWAY_API_GRPC = ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1alpha2'];
const GATEWAY_API_TCP = ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1alpha2'];
const GATEWAY_API_TLS = [
  'gateway.networking.k8s.io/v1',
  'gateway.networking.k8s.io/v1alpha3',
  'gateway.networking.k8s.io/v1alpha2',
];
const GATEWAY_API_GRANT = [
  'gateway.networking.k8s.io/v1',
  'gateway.networking.k8s.io/v1beta1',
  'gateway.networking.k8s.io/v1alpha2',
];

const modelled = (apiVersions: readonly string[], namespaced = true): KindInfo => ({
  namespaced,
  modelled: true,
  apiVersions,
});
const listed = (note: string, namespaced = true): KindInfo => ({ namespaced, modelled: false, note });
/** Kinds that never change a request's path: listed without a note. */
const other = (namespaced = true): KindInfo => ({ namespaced, modelled: false });

export const KINDS: ReadonlyMap<string, KindInfo> = new Map<string, KindInfo>([
  ['Namespace', modelled(CORE, false)],
  ['Pod', modelled(CORE)],
  ['Deployment', modelled(APPS)],
  ['StatefulSet', modelled(APPS)],
  ['DaemonSet', modelled(APPS)],
  ['ReplicaSet', modelled(APPS)],
  ['Job', modelled(BATCH)],
  ['Service', modelled(CORE)],
  ['Endpoints', modelled(CORE)],
  ['EndpointSlice', modelled(['discovery.k8s.io/v1'])],
  ['ConfigMap', modelled(CORE)],
  ['Ingress', modelled(['networking.k8s.io/v1'])],
  ['IstioOperator', modelled(['install.istio.io/v1alpha1'])],
  ['VirtualService', modelled(ISTIO_NETWORKING)],
  ['DestinationRule', modelled(ISTIO_NETWORKING)],
  ['ServiceEntry', modelled(ISTIO_NETWORKING)],
  ['Sidecar', modelled(ISTIO_NETWORKING)],
  ['Gateway', modelled(ISTIO_NETWORKING)],
  ['WorkloadEntry', modelled(ISTIO_NETWORKING)],
  ['WorkloadGroup', modelled(ISTIO_NETWORKING)],
  ['PeerAuthentication', modelled(ISTIO_SECURITY)],
  ['AuthorizationPolicy', modelled(ISTIO_SECURITY)],
  ['RequestAuthentication', modelled(ISTIO_SECURITY)],
  ['EnvoyFilter', listed('EnvoyFilter patches are not applied: the path shows the configuration before any patch.')],
  ['Telemetry', listed('Telemetry does not change where a request goes.')],
  ['WasmPlugin', listed('Wasm plugins are not run: their effect on a request is not shown.')],
  ['ProxyConfig', listed('ProxyConfig is not applied yet.')],
  ['HTTPRoute', modelled(GATEWAY_API_V1)],
  ['GRPCRoute', modelled(GATEWAY_API_GRPC)],
  ['TCPRoute', modelled(GATEWAY_API_TCP)],
  ['TLSRoute', modelled(GATEWAY_API_TLS)],
  ['ReferenceGrant', modelled(GATEWAY_API_GRANT)],
  ['GatewayClass', modelled(GATEWAY_API_V1, false)],
  ['ServiceAccount', other()],
  ['Secret', other()],
  ['Role', other()],
  ['RoleBinding', other()],
  ['ClusterRole', other(false)],
  ['ClusterRoleBinding', other(false)],
  ['CustomResourceDefinition', other(false)],
  ['MutatingWebhookConfiguration', other(false)],
  ['ValidatingWebhookConfiguration', other(false)],
  ['Node', other(false)],
  ['PersistentVolume', other(false)],
  ['PersistentVolumeClaim', other()],
  ['StorageClass', other(false)],
  ['IngressClass', other(false)],
  ['PriorityClass', other(false)],
  ['HorizontalPodAutoscaler', other()],
  ['PodDisruptionBudget', other()],
  ['NetworkPolicy', listed('Kubernetes NetworkPolicy is not enforced in the simulated path yet.')],
  ['CronJob', other()],
]);

/** The kinds that hold workloads (pods or pod templates). */
export const WORKLOAD_KINDS: ReadonlySet<string> = new Set([
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
]);

/** Gateway API kinds by name; `Gateway` here is the Gateway API's, not Istio's. */
const GATEWAY_API_KINDS: ReadonlyMap<string, KindInfo> = new Map<string, KindInfo>([
  ['GatewayClass', modelled(GATEWAY_API_V1, false)],
  ['Gateway', modelled(GATEWAY_API_V1)],
  ['HTTPRoute', modelled(GATEWAY_API_V1)],
  ['GRPCRoute', modelled(GATEWAY_API_GRPC)],
  ['TCPRoute', modelled(GATEWAY_API_TCP)],
  ['TLSRoute', modelled(GATEWAY_API_TLS)],
  ['ReferenceGrant', modelled(GATEWAY_API_GRANT)],
  ['ListenerSet', modelled(['gateway.networking.k8s.io/v1'])],
  [
    'BackendTLSPolicy',
    listed('BackendTLSPolicy is not applied: the TLS istiod would originate to the backend is not shown.'),
  ],
]);
const GATEWAY_API_OTHER = listed('This Gateway API kind is not modelled.');

/** Kinds the user may have meant: every kind Meshpath knows. */
export const KNOWN_KIND_NAMES: readonly string[] = [...KINDS.keys()];

export function kindInfo(kind: string, apiVersion: string): KindInfo | undefined {
  if (apiVersion.startsWith('gateway.networking.k8s.io/')) return GATEWAY_API_KINDS.get(kind) ?? GATEWAY_API_OTHER;
  return KINDS.get(kind);
}
