import type { SourceRange } from '../manifest/diagnostic.ts';
import type { DataPlane, WaypointModel } from '../ambient/types.ts';
import type { LabelSelector } from './labels.ts';

/** Where an object came from, for "this step was caused by these lines". */
export interface ObjectSource {
  kind: string;
  namespace: string | undefined;
  name: string;
  file: string;
  range: SourceRange;
}

export type AssumptionCode =
  | 'MESH_CONFIG_DEFAULTS'
  | 'NAMESPACE_DEFAULTED'
  | 'NAMESPACE_IMPLIED'
  | 'POD_FROM_TEMPLATE'
  | 'POD_IP_ASSIGNED'
  | 'POD_READY_ASSUMED'
  | 'CLUSTER_IP_ASSIGNED'
  | 'INJECTION_REVISION_ASSUMED'
  | 'ENDPOINTS_FROM_SELECTOR'
  | 'GATEWAY_DEPLOYED';

/** Something Meshpath had to take for granted because the manifests did not say it; the UI lists these. */
export interface Assumption {
  code: AssumptionCode;
  message: string;
  subject: ObjectSource | undefined;
}

export type OutboundTrafficPolicyMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

/** The MeshConfig fields the path depends on, with Istio's defaults where the manifests are silent. */
export interface MeshConfig {
  rootNamespace: string;
  trustDomain: string;
  /** trustDomainAliases: identities of these trust domains count as the mesh's own in AuthorizationPolicy. */
  trustDomainAliases?: string[];
  /** defaultConfig.gatewayTopology.numTrustedProxies: the proxies before a gateway that X-Forwarded-For can trust. */
  numTrustedProxies?: number;
  /** The names of extensionProviders that are ext_authz services (envoyExtAuthzHttp, envoyExtAuthzGrpc). */
  extAuthzProviders?: string[];
  /** pathNormalization.normalization as written (NONE, BASE, MERGE_SLASHES...); undefined: DEFAULT (BASE). */
  pathNormalization?: string;
  outboundTrafficPolicy: OutboundTrafficPolicyMode;
  /** Where a sidecar's inbound clusters deliver: the pod's own IP (PASSTHROUGH) or 127.0.0.1 (LOCALHOST). */
  inboundTrafficPolicy: 'PASSTHROUGH' | 'LOCALHOST';
  enableAutoMtls: boolean;
  ingressClass: string;
  ingressControllerMode: 'DEFAULT' | 'STRICT' | 'OFF';
  ingressService: string;
  ingressSelector: string | undefined;
  defaultServiceExportTo: string[];
  defaultVirtualServiceExportTo: string[];
  defaultDestinationRuleExportTo: string[];
  /** defaultConfig.proxyMetadata: environment every proxy's agent gets (ISTIO_META_DNS_CAPTURE, ...). */
  defaultProxyMetadata: ReadonlyMap<string, string>;
  /** defaultConfig.proxyHeaders as written (envoyDebugHeaders, xForwardedHost, ...); a pod's annotation overrides. */
  defaultProxyHeaders?: Readonly<Record<string, unknown>>;
  accessLogFile: string;
  /**
   * outboundTrafficPolicy ALLOW_ANY_DYNAMIC_DNS (Istio 1.31): ALLOW_ANY, but a sidecar sends plaintext HTTP to unknown
   * hosts through a dynamic forward proxy that resolves the Host header.
   */
  allowAnyDynamicDns?: boolean;
  /**
   * istiod's PILOT_ENABLE_IP_AUTOALLOCATE (IstioOperator values.pilot.env or the istiod Deployment's env): false runs
   * the old in-memory ServiceEntry address allocator instead of the controller. Undefined: true, the default.
   */
  ipAutoallocate?: boolean;
  /** discoverySelectors: the namespaces istiod watches (model/discovery.ts); undefined or empty: all. */
  discoverySelectors?: LabelSelector[];
  /** The object this came from; undefined when every value is Istio's default. */
  source: ObjectSource | undefined;
}

export type InjectionMode = 'enabled' | 'disabled' | 'revision' | 'none';

export interface NamespaceModel {
  name: string;
  labels: ReadonlyMap<string, string>;
  /** From `istio-injection` (wins) or `istio.io/rev`. */
  injection: InjectionMode;
  revision: string | undefined;
  /** Undefined when the namespace is only implied by objects in it. */
  source: ObjectSource | undefined;
}

export type ProxyKind = 'sidecar' | 'gateway' | 'none';

export interface ProxySettings {
  kind: ProxyKind;
  /** Why: which label, annotation or container decided it, in words. */
  reason: string;
  /** From proxyMetadata / the istio-proxy container's environment. */
  dnsCapture: boolean;
  dnsAutoAllocate: boolean;
  proxyMetadata: ReadonlyMap<string, string>;
  /** NONE: no istio-init, so iptables captures nothing in either direction (sidecar.istio.io/interceptionMode). */
  interceptionMode: 'REDIRECT' | 'TPROXY' | 'NONE';
}

/** iptables capture settings from the traffic.sidecar.istio.io annotations (istio-iptables flags). */
export interface CaptureSettings {
  includeOutboundIPRanges: string[];
  excludeOutboundIPRanges: string[];
  includeOutboundPorts: number[];
  excludeOutboundPorts: number[];
  includeInboundPorts: string[];
  excludeInboundPorts: number[];
  /**
   * The istio-agent status port the injector adds to the inbound exclusions beside 15090 and 15021
   * (status.sidecar.istio.io/port, 15020 by default; 0: none).
   */
  statusPort?: number;
  /** Where the settings come from: the pod's annotations (with the injector's defaults), or its istio-init args. */
  from?: 'annotations' | 'istioInit';
}

export interface ContainerPort {
  name: string | undefined;
  containerPort: number;
  protocol: string;
}

/** How kubelet writes a pod's /etc/resolv.conf (K8S: Pod's DNS Policy and Pod's DNS Config). */
export interface PodDnsSettings {
  policy: 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';
  nameservers: string[];
  searches: string[];
  /** options ndots from dnsConfig. */
  ndots: number | undefined;
}

export interface PodModel {
  name: string;
  namespace: string;
  labels: ReadonlyMap<string, string>;
  annotations: ReadonlyMap<string, string>;
  ip: string;
  ready: boolean;
  serviceAccount: string;
  nodeName: string | undefined;
  /**
   * spec.hostname and spec.subdomain: with a headless Service named like the subdomain, the pod gets its own DNS name.
   */
  hostname: string | undefined;
  subdomain: string | undefined;
  hostNetwork: boolean;
  /** spec.dnsPolicy and spec.dnsConfig, when the pod sets either (otherwise ClusterFirst, no extra config). */
  dns?: PodDnsSettings;
  containerPorts: ContainerPort[];
  proxy: ProxySettings;
  /** Sidecar, gateway proxy, ambient (the node's ztunnel) or none, with the reason (src/core/ambient/enrolment.ts). */
  dataPlane: DataPlane;
  capture: CaptureSettings;
  /** True when the pod was made from a workload's template because the manifests had no Pod for it. */
  assumed: boolean;
  /** The workload that owns (or templated) this pod. */
  owner: ObjectSource | undefined;
  source: ObjectSource;
}

export interface ServicePortModel {
  name: string | undefined;
  port: number;
  targetPort: number | string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  appProtocol: string | undefined;
  nodePort: number | undefined;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

export interface ServiceModel {
  name: string;
  namespace: string;
  type: ServiceType;
  /** The ClusterIP, `None` for a headless Service, undefined for ExternalName. */
  clusterIP: string | undefined;
  clusterIPs: string[];
  externalName: string | undefined;
  selector: ReadonlyMap<string, string> | undefined;
  ports: ServicePortModel[];
  labels: ReadonlyMap<string, string>;
  annotations: ReadonlyMap<string, string>;
  internalTrafficPolicy: 'Cluster' | 'Local';
  publishNotReadyAddresses: boolean;
  /** Rank in "oldest first" (creationTimestamp, equal times by name then namespace: model/creation.ts). */
  order: number;
  /** metadata.creationTimestamp in milliseconds; absent when not written (the object is being applied now). */
  creationTime?: number;
  source: ObjectSource;
}

export interface EndpointAddressModel {
  addresses: string[];
  ready: boolean | undefined;
  serving: boolean | undefined;
  terminating: boolean | undefined;
  targetRef: { kind: string; namespace: string | undefined; name: string } | undefined;
  nodeName: string | undefined;
}

/** An EndpointSlice (Endpoints objects are read into the same shape). */
export interface EndpointSliceModel {
  name: string;
  namespace: string;
  serviceName: string | undefined;
  addressType: string;
  ports: Array<{ name: string | undefined; port: number; protocol: string; appProtocol: string | undefined }>;
  endpoints: EndpointAddressModel[];
  source: ObjectSource;
}

/**
 * An Istio config object (VirtualService, DestinationRule, ...): its spec as written, checked for the fields istiod
 * requires.
 */
export interface IstioConfigModel {
  kind: string;
  apiVersion: string;
  name: string;
  namespace: string;
  labels: ReadonlyMap<string, string>;
  annotations: ReadonlyMap<string, string>;
  /** Parsed data: read with own-property lookups. */
  spec: Readonly<Record<string, unknown>>;
  /** The object's status, for what a live cluster wrote there (ServiceEntry addresses). */
  status: unknown;
  /** Rank in "oldest first" (creationTimestamp, equal times by name then namespace: model/creation.ts). */
  order: number;
  /** metadata.creationTimestamp in milliseconds; absent when not written (the object is being applied now). */
  creationTime?: number;
  source: ObjectSource;
  /**
   * For config istiod derives from other objects: the object and lines each `http` rule came from (an HTTPRoute rule).
   */
  routeSources?: ObjectSource[];
}

export interface IngressModel {
  name: string;
  namespace: string;
  ingressClassName: string | undefined;
  spec: Readonly<Record<string, unknown>>;
  source: ObjectSource;
}

/** The mesh as the manifests describe it: what istiod's registries would hold, before any proxy's view of it. */
export interface MeshModel {
  meshConfig: MeshConfig;
  namespaces: Map<string, NamespaceModel>;
  pods: PodModel[];
  services: ServiceModel[];
  endpointSlices: EndpointSliceModel[];
  ingresses: IngressModel[];
  /** Istio config by kind: VirtualService, DestinationRule, ServiceEntry, Sidecar, Gateway, WorkloadEntry, ... */
  istio: Map<string, IstioConfigModel[]>;
  /** Gateways of class istio-waypoint (ambient mode). */
  waypoints: WaypointModel[];
  assumptions: Assumption[];
}
