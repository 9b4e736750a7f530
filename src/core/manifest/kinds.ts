/**
 * What Meshpath knows about each Kubernetes and Istio kind: whether it is namespaced, and whether the
 * resolver models it (uses it to compute the path) or only lists it.
 */
export interface KindInfo {
  namespaced: boolean;
  modelled: boolean;
  /** Why a recognised kind is not modelled, in the user's terms. */
  note?: string;
}

const modelled = (namespaced = true): KindInfo => ({ namespaced, modelled: true });
const listed = (note: string, namespaced = true): KindInfo => ({ namespaced, modelled: false, note });

export const KINDS: ReadonlyMap<string, KindInfo> = new Map<string, KindInfo>([
  ['Namespace', modelled(false)],
  ['Pod', modelled()],
  ['Deployment', modelled()],
  ['StatefulSet', modelled()],
  ['DaemonSet', modelled()],
  ['ReplicaSet', modelled()],
  ['Job', modelled()],
  ['Service', modelled()],
  ['Endpoints', modelled()],
  ['EndpointSlice', modelled()],
  ['ConfigMap', modelled()],
  ['Ingress', modelled()],
  ['IstioOperator', modelled()],
  ['VirtualService', modelled()],
  ['DestinationRule', modelled()],
  ['ServiceEntry', modelled()],
  ['Sidecar', modelled()],
  ['Gateway', modelled()],
  ['WorkloadEntry', modelled()],
  ['WorkloadGroup', modelled()],
  ['PeerAuthentication', modelled()],
  ['AuthorizationPolicy', modelled()],
  ['RequestAuthentication', modelled()],
  ['EnvoyFilter', listed('EnvoyFilter patches are not applied: the path shows the configuration before any patch.')],
  ['Telemetry', listed('Telemetry does not change where a request goes.')],
  ['WasmPlugin', listed('Wasm plugins are not run: their effect on a request is not shown.')],
  ['ProxyConfig', listed('ProxyConfig is not applied yet.')],
  ['HTTPRoute', listed('Gateway API routes are not modelled yet.')],
  ['GRPCRoute', listed('Gateway API routes are not modelled yet.')],
  ['TCPRoute', listed('Gateway API routes are not modelled yet.')],
  ['TLSRoute', listed('Gateway API routes are not modelled yet.')],
  ['ReferenceGrant', listed('Gateway API is not modelled yet.')],
  ['GatewayClass', listed('Gateway API is not modelled yet.', false)],
  ['ServiceAccount', listed('Service accounts are read from pods (spec.serviceAccountName).')],
  ['Secret', listed('Secrets do not change the path.')],
  ['Role', listed('Kubernetes RBAC does not change the path.')],
  ['RoleBinding', listed('Kubernetes RBAC does not change the path.')],
  ['ClusterRole', listed('Kubernetes RBAC does not change the path.', false)],
  ['ClusterRoleBinding', listed('Kubernetes RBAC does not change the path.', false)],
  ['CustomResourceDefinition', listed('Definitions do not change the path.', false)],
  ['MutatingWebhookConfiguration', listed('Webhooks are not run.', false)],
  ['ValidatingWebhookConfiguration', listed('Webhooks are not run.', false)],
  ['Node', listed('Nodes do not change the path.', false)],
  ['PersistentVolume', listed('Storage does not change the path.', false)],
  ['PersistentVolumeClaim', listed('Storage does not change the path.')],
  ['StorageClass', listed('Storage does not change the path.', false)],
  ['IngressClass', listed('Ingress classes are read from the mesh config (ingressClass).', false)],
  ['PriorityClass', listed('Scheduling does not change the path.', false)],
  ['HorizontalPodAutoscaler', listed('Autoscaling does not change the path.')],
  ['PodDisruptionBudget', listed('Disruption budgets do not change the path.')],
  ['NetworkPolicy', listed('Kubernetes NetworkPolicy is not enforced in the simulated path yet.')],
  ['CronJob', listed('CronJobs run no pods until scheduled.')],
]);

/** The kinds that hold workloads (pods or pod templates). */
export const WORKLOAD_KINDS: ReadonlySet<string> = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

const GATEWAY_API = listed('Gateway API is not modelled yet.');

export function kindInfo(kind: string, apiVersion: string): KindInfo | undefined {
  if (apiVersion.startsWith('gateway.networking.k8s.io/')) return GATEWAY_API;
  return KINDS.get(kind);
}
