import { field, isRecord, parseEmbeddedYaml } from '../manifest/parse.ts';
import type { FieldPath, ObjectReader } from '../manifest/reader.ts';
import { EMPTY_STRING_MAP } from '../manifest/recordMap.ts';
import { toStringMap } from './labels.ts';
import type {
  CaptureSettings,
  ContainerPort,
  MeshConfig,
  NamespaceModel,
  ObjectSource,
  PodDnsSettings,
  ProxySettings,
} from './mesh.ts';

/** Namespaces the injector never touches (pkg/kube/inject/initializer.go: IgnoredNamespaces). */
const IGNORED_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

export function readNamespace(reader: ObjectReader, source: ObjectSource): NamespaceModel {
  const labels = reader.stringMap(['metadata', 'labels']);
  return { name: reader.object.name, labels, ...injectionOf(labels), source };
}

export function impliedNamespace(name: string): NamespaceModel {
  return { name, labels: new Map(), injection: 'none', revision: undefined, source: undefined };
}

function injectionOf(labels: ReadonlyMap<string, string>): Pick<NamespaceModel, 'injection' | 'revision'> {
  const legacy = labels.get('istio-injection');
  if (legacy !== undefined) return { injection: legacy === 'enabled' ? 'enabled' : 'disabled', revision: undefined };
  const revision = labels.get('istio.io/rev');
  if (revision !== undefined) return { injection: 'revision', revision };
  return { injection: 'none', revision: undefined };
}

/** The pod-level parts a Pod and a workload's pod template share, read from `base` (`[]` or `['spec','template']`). */
export interface PodTemplateView {
  labels: ReadonlyMap<string, string>;
  annotations: ReadonlyMap<string, string>;
  serviceAccount: string;
  hostNetwork: boolean;
  nodeName: string | undefined;
  hostname: string | undefined;
  subdomain: string | undefined;
  /** spec.dnsPolicy and spec.dnsConfig, when the pod sets either. */
  dns: PodDnsSettings | undefined;
  containerPorts: ContainerPort[];
  /** The istio-proxy container (or native-sidecar init container), when the pod already has one. */
  proxyContainer: { args: string[]; env: ReadonlyMap<string, string>; path: FieldPath } | undefined;
  /** The args of an injected pod's istio-init container, which runs istio-iptables with them. */
  initArgs: string[] | undefined;
}

export function readPodTemplate(reader: ObjectReader, base: FieldPath): PodTemplateView {
  const spec = [...base, 'spec'];
  const containerPorts: ContainerPort[] = [];
  let proxyContainer: PodTemplateView['proxyContainer'];
  let initArgs: string[] | undefined;
  for (const list of ['containers', 'initContainers'] as const) {
    reader.list([...spec, list]).forEach((_, index) => {
      const path = [...spec, list, index];
      const name = reader.string([...path, 'name']);
      if (name === 'istio-proxy') {
        // Only the ISTIO_META_ variables decide anything (proxy metadata); one pod's container has dozens of others.
        const env = new Map<string, string>();
        reader.list([...path, 'env']).forEach((_, envIndex) => {
          const envName = reader.string([...path, 'env', envIndex, 'name']);
          const envValue = reader.string([...path, 'env', envIndex, 'value']);
          if (envName?.startsWith('ISTIO_META_') && envValue !== undefined) env.set(envName, envValue);
        });
        proxyContainer = { args: reader.stringList([...path, 'args']), env: env.size ? env : EMPTY_STRING_MAP, path };
      }
      if (name === 'istio-init' && list === 'initContainers') initArgs = reader.stringList([...path, 'args']);
      if (list !== 'containers') return;
      reader.list([...path, 'ports']).forEach((_, portIndex) => {
        const portPath = [...path, 'ports', portIndex];
        const containerPort = reader.port([...portPath, 'containerPort'], {
          required: 'every container port needs a number',
        });
        if (containerPort === undefined) return;
        containerPorts.push({
          name: reader.string([...portPath, 'name']),
          containerPort,
          protocol: reader.string([...portPath, 'protocol']) ?? 'TCP',
        });
      });
    });
  }
  return {
    labels: reader.stringMap([...base, 'metadata', 'labels']),
    annotations: reader.stringMap([...base, 'metadata', 'annotations']),
    serviceAccount:
      reader.string([...spec, 'serviceAccountName']) ?? reader.string([...spec, 'serviceAccount']) ?? 'default',
    hostNetwork: reader.boolean([...spec, 'hostNetwork']) ?? false,
    nodeName: reader.string([...spec, 'nodeName']),
    hostname: reader.string([...spec, 'hostname']),
    subdomain: reader.string([...spec, 'subdomain']),
    dns: readPodDns(reader, spec),
    containerPorts,
    proxyContainer,
    initArgs,
  };
}

const DNS_POLICIES = new Set<PodDnsSettings['policy']>(['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']);

/** spec.dnsPolicy and spec.dnsConfig (K8S: Pod's DNS Policy, Pod's DNS Config), undefined when the pod sets neither. */
function readPodDns(reader: ObjectReader, spec: FieldPath): PodDnsSettings | undefined {
  const policyText = reader.string([...spec, 'dnsPolicy']);
  const config = [...spec, 'dnsConfig'];
  if (policyText === undefined && reader.get(config) === undefined) return undefined;
  const policy = DNS_POLICIES.has(policyText as PodDnsSettings['policy'])
    ? (policyText as PodDnsSettings['policy'])
    : 'ClusterFirst';
  let ndots: number | undefined;
  reader.list([...config, 'options']).forEach((_, index) => {
    if (reader.string([...config, 'options', index, 'name']) !== 'ndots') return;
    const value = Number(
      reader.string([...config, 'options', index, 'value']) ?? reader.get([...config, 'options', index, 'value']),
    );
    if (Number.isInteger(value) && value >= 0) ndots = Math.min(value, 15); // glibc caps ndots at 15
  });
  return {
    policy,
    nameservers: reader.stringList([...config, 'nameservers']),
    searches: reader.stringList([...config, 'searches']),
    ndots,
  };
}

/**
 * Does this pod run a sidecar, a gateway proxy, or nothing, and why. A pod already dumped with an istio-proxy
 * container says so itself; otherwise the default-revision injection webhook's selectors decide
 * (manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml), then the injector's own rules
 * (pkg/kube/inject/inject.go: injectRequired).
 */
export function decideProxy(
  pod: PodTemplateView,
  namespaceName: string,
  namespace: NamespaceModel | undefined,
  mesh: MeshConfig,
): ProxySettings & { revisionAssumed: string | undefined } {
  const templates = pod.annotations.get('inject.istio.io/templates') ?? '';
  const wantsGateway = templates
    .split(',')
    .map((t) => t.trim())
    .includes('gateway');
  const settings = (kind: ProxySettings['kind'], reason: string, revisionAssumed?: string) => ({
    ...proxyMetadataOf(pod, mesh),
    kind,
    reason,
    interceptionMode: interceptionModeOf(pod),
    revisionAssumed,
  });

  // A pod that already declares istio-proxy keeps it (pkg/kube/inject/webhook.go: reapplyOverwrittenContainers).
  const proxy = pod.proxyContainer;
  if (proxy && !(proxy.args.length === 0 && templates !== '')) {
    if (proxy.args.includes('router'))
      return settings('gateway', 'its istio-proxy container runs `proxy router`: a gateway proxy');
    return settings('sidecar', 'it already has an istio-proxy container (injected)');
  }
  if (pod.hostNetwork) return settings('none', 'it uses hostNetwork, and Istio never injects such pods');
  if (IGNORED_NAMESPACES.has(namespaceName)) return settings('none', `Istio never injects pods in ${namespaceName}`);

  const podLabel = pod.labels.get('sidecar.istio.io/inject');
  const podRevision = pod.labels.get('istio.io/rev');
  const nsInjection = namespace?.injection ?? 'none';
  let webhook: string | undefined;
  let revisionAssumed: string | undefined;
  if (nsInjection === 'enabled' && podLabel !== 'false') {
    webhook = `namespace ${namespaceName} has istio-injection=enabled`;
  } else if (nsInjection === 'revision' && podLabel !== 'false') {
    webhook = `namespace ${namespaceName} has istio.io/rev=${namespace?.revision ?? ''}`;
    if (namespace?.revision !== 'default') revisionAssumed = namespace?.revision;
  } else if (nsInjection === 'none' && podRevision !== undefined && podLabel !== 'false') {
    webhook = `the pod has istio.io/rev=${podRevision}`;
    if (podRevision !== 'default') revisionAssumed = podRevision;
  } else if (nsInjection === 'none' && podLabel === 'true') {
    webhook = 'the pod has the label sidecar.istio.io/inject=true';
  }

  if (!webhook) {
    if (nsInjection === 'disabled')
      return settings(
        'none',
        `namespace ${namespaceName} has istio-injection=${namespace?.labels.get('istio-injection') ?? 'disabled'}`,
      );
    if (podLabel === 'false') return settings('none', 'the pod has the label sidecar.istio.io/inject=false');
    if (pod.annotations.get('sidecar.istio.io/inject') === 'true') {
      return settings(
        'none',
        `only the annotation sidecar.istio.io/inject=true is set, and namespace ${namespaceName} has no ` +
          `injection label; the injector's webhook selects the label, not the annotation`,
      );
    }
    return settings(
      'none',
      `namespace ${namespaceName} has no istio-injection or istio.io/rev label, and the pod does not ask for injection`,
    );
  }
  // Inside the webhook the label wins over the annotation; "false" turns injection off.
  const choice = podLabel ?? pod.annotations.get('sidecar.istio.io/inject');
  if (choice === 'false')
    return settings('none', `${webhook}, but the pod annotation sidecar.istio.io/inject=false turns injection off`);
  return settings(
    wantsGateway ? 'gateway' : 'sidecar',
    `injected: ${webhook}${wantsGateway ? ' (gateway template)' : ''}`,
    revisionAssumed,
  );
}

/**
 * REDIRECT, TPROXY or NONE: an injected pod's istio-init `-m`, else the annotation the injector reads, else the pod's
 * proxy.istio.io/config (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml).
 */
function interceptionModeOf(pod: PodTemplateView): ProxySettings['interceptionMode'] {
  const fromInit = pod.initArgs ? iptablesFlags(pod.initArgs).get('m') : undefined;
  let mode = fromInit ?? pod.annotations.get('sidecar.istio.io/interceptionMode');
  if (mode === undefined) {
    const parsed = parseEmbeddedYaml(pod.annotations.get('proxy.istio.io/config') ?? '');
    const value = parsed.ok ? field(parsed.value, 'interceptionMode') : undefined;
    if (typeof value === 'string') mode = value;
  }
  return mode === 'TPROXY' || mode === 'NONE' ? mode : 'REDIRECT';
}

/**
 * proxyMetadata: the mesh's defaultConfig, then the pod's proxy.istio.io/config, then the istio-proxy container's env
 * (pkg/kube/inject/webhook.go: inject via GetProxyConfigOrDefault, reapplyOverwrittenContainers;
 * pkg/config/mesh/mesh.go: MergeProxyConfig).
 */
function proxyMetadataOf(
  pod: PodTemplateView,
  mesh: MeshConfig,
): Pick<ProxySettings, 'proxyMetadata' | 'dnsCapture' | 'dnsAutoAllocate'> {
  const annotation = pod.annotations.get('proxy.istio.io/config');
  const env = pod.proxyContainer?.env ?? EMPTY_STRING_MAP;
  // Most pods add nothing to the mesh's defaults: they share its map.
  let metadata: ReadonlyMap<string, string> = mesh.defaultProxyMetadata;
  if (!annotation && mesh.defaultProxyMetadata.size === 0) metadata = env;
  else if (annotation || env.size > 0) {
    const own = new Map(mesh.defaultProxyMetadata);
    const parsed = annotation ? parseEmbeddedYaml(annotation) : undefined;
    if (parsed?.ok) for (const [key, value] of toStringMap(field(parsed.value, 'proxyMetadata'))) own.set(key, value);
    for (const [key, value] of env) own.set(key, value);
    metadata = own;
  }
  return {
    proxyMetadata: metadata,
    dnsCapture: metadata.get('ISTIO_META_DNS_CAPTURE') === 'true',
    dnsAutoAllocate: metadata.get('ISTIO_META_DNS_AUTO_ALLOCATE') === 'true',
  };
}

/** Checks a proxy.istio.io/config annotation istiod would fail to read. */
export function checkProxyConfigAnnotation(reader: ObjectReader, base: FieldPath): void {
  const path = [...base, 'metadata', 'annotations', 'proxy.istio.io/config'];
  const text = reader.get(path);
  if (typeof text !== 'string') return;
  const parsed = parseEmbeddedYaml(text);
  if (!parsed.ok)
    reader.report(
      'error',
      'INVALID_VALUE',
      `proxy.istio.io/config is not valid YAML (${parsed.reason}); the proxy would start with the mesh defaults.`,
      path,
    );
  else if (parsed.value !== null && !isRecord(parsed.value))
    reader.report('error', 'INVALID_VALUE', 'proxy.istio.io/config must be a ProxyConfig mapping.', path);
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

const CIDR = /^(\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?|[0-9a-fA-F:]+(\/\d{1,3})?)$/;

/**
 * The sidecar injector's values.global.proxy settings that become istio-iptables flags when a pod's annotation is
 * absent (manifests/charts/istio-control/istio-discovery/values.yaml), as an IstioOperator's spec.values or the
 * istio-sidecar-injector ConfigMap's `values` set them.
 */
export interface InjectorDefaults {
  includeIPRanges: string;
  excludeIPRanges: string;
  includeInboundPorts: string;
  excludeInboundPorts: string;
  includeOutboundPorts: string;
  excludeOutboundPorts: string;
  statusPort: string;
  /** The object the values were read from, when not Istio's defaults. */
  source?: ObjectSource;
}

export const DEFAULT_INJECTOR_VALUES: InjectorDefaults = {
  includeIPRanges: '*',
  excludeIPRanges: '',
  includeInboundPorts: '*',
  excludeInboundPorts: '',
  includeOutboundPorts: '',
  excludeOutboundPorts: '',
  statusPort: '15020',
};

/** Reads values.global.proxy (a mapping) over Istio's defaults; values of other types are ignored. */
export function readInjectorValues(values: unknown, source: ObjectSource | undefined): InjectorDefaults {
  const proxy = field(field(values, 'global'), 'proxy');
  const result: InjectorDefaults = { ...DEFAULT_INJECTOR_VALUES, ...(source ? { source } : {}) };
  for (const key of Object.keys(DEFAULT_INJECTOR_VALUES) as Array<Exclude<keyof InjectorDefaults, 'source'>>) {
    const value = field(proxy, key);
    if (typeof value === 'string' || typeof value === 'number') result[key] = String(value);
  }
  return result;
}

/** istio-iptables flags by their short name (tools/istio-iptables/pkg/cmd/root.go: bindCmdlineFlags). */
const IPTABLES_FLAGS: Record<string, string> = {
  'istio-service-cidr': 'i',
  'istio-service-exclude-cidr': 'x',
  'istio-inbound-ports': 'b',
  'istio-local-exclude-ports': 'd',
  'istio-outbound-ports': 'q',
  'istio-local-outbound-ports-exclude': 'o',
  'istio-inbound-interception-mode': 'm',
};

/** The flags of an istio-iptables command line, by short name (`-i '*'`, `--istio-service-cidr=*`). */
function iptablesFlags(args: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const match = /^--?([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) continue;
    const name = match[1] ?? '';
    const short = name.length === 1 ? name : IPTABLES_FLAGS[name];
    if (short === undefined) continue;
    if (match[2] !== undefined) flags.set(short, match[2]);
    else if (i + 1 < args.length) flags.set(short, args[++i] ?? '');
  }
  return flags;
}

/**
 * iptables settings as istio-iptables gets them: an injected pod's istio-init args when it has them, otherwise the
 * traffic.sidecar.istio.io annotations over the injector's defaults, as the injection template hands them over
 * (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml; tools/istio-iptables/pkg/cmd/root.go).
 * An annotation set to "" stays empty: it is not replaced by the default (pkg/kube/inject/template.go: getAnnotation).
 */
export function readCapture(
  reader: ObjectReader,
  base: FieldPath,
  annotations: ReadonlyMap<string, string>,
  defaults: InjectorDefaults = DEFAULT_INJECTOR_VALUES,
  initArgs?: readonly string[],
): CaptureSettings {
  const annotationPath = (name: string): FieldPath => [...base, 'metadata', 'annotations', name];
  const flags = initArgs && initArgs.length > 0 ? iptablesFlags(initArgs) : undefined;
  const valueOf = (name: string, flag: string, fallback: string): string =>
    flags ? (flags.get(flag) ?? '') : (annotations.get(name) ?? fallback);
  const ranges = (name: string, flag: string, fallback: string): string[] => {
    const items = splitList(valueOf(name, flag, fallback));
    const bad = items.filter((item) => item !== '*' && !CIDR.test(item));
    if (bad.length > 0 && !flags && annotations.has(name))
      reader.report(
        'error',
        'INVALID_VALUE',
        `${name} has ${bad.join(', ')}, ` +
          `which ${bad.length > 1 ? 'are not IP ranges' : 'is not an IP range'} (expected CIDRs such as ` +
          `10.0.0.0/8, comma-separated, or *).`,
        annotationPath(name),
      );
    return items.filter((item) => !bad.includes(item));
  };
  const ports = (name: string, flag: string, fallback: string): number[] => {
    const items = splitList(valueOf(name, flag, fallback));
    const parsed = items.map((item) => Number(item));
    const bad = items.filter(
      (_, i) => !Number.isInteger(parsed[i]) || (parsed[i] ?? 0) < 1 || (parsed[i] ?? 0) > 65535,
    );
    if (bad.length > 0 && !flags && annotations.has(name))
      reader.report(
        'error',
        'INVALID_VALUE',
        `${name} has ${bad.join(', ')}, ` +
          `which ${bad.length > 1 ? 'are not port numbers' : 'is not a port number'} (expected numbers from 1 to ` +
          `65535, comma-separated).`,
        annotationPath(name),
      );
    return parsed.filter((port, i) => !bad.includes(items[i] ?? '') && Number.isInteger(port));
  };
  const statusPort = Number(annotations.get('status.sidecar.istio.io/port') ?? defaults.statusPort);
  return {
    includeOutboundIPRanges: ranges('traffic.sidecar.istio.io/includeOutboundIPRanges', 'i', defaults.includeIPRanges),
    excludeOutboundIPRanges: ranges('traffic.sidecar.istio.io/excludeOutboundIPRanges', 'x', defaults.excludeIPRanges),
    includeOutboundPorts: ports('traffic.sidecar.istio.io/includeOutboundPorts', 'q', defaults.includeOutboundPorts),
    excludeOutboundPorts: ports('traffic.sidecar.istio.io/excludeOutboundPorts', 'o', defaults.excludeOutboundPorts),
    includeInboundPorts: splitList(
      valueOf('traffic.sidecar.istio.io/includeInboundPorts', 'b', defaults.includeInboundPorts),
    ),
    excludeInboundPorts: ports('traffic.sidecar.istio.io/excludeInboundPorts', 'd', defaults.excludeInboundPorts),
    // istio-init's -d already lists 15090, 15021 and the status port.
    statusPort: flags ? 0 : Number.isInteger(statusPort) && statusPort > 0 ? statusPort : 0,
    from: flags ? 'istioInit' : 'annotations',
  };
}
