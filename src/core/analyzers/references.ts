/**
 * References between objects that point at nothing: gateways, destination hosts, ports and subsets of VirtualServices,
 * delegates, DestinationRule hosts, Sidecar egress hosts, and selectors that choose no workload.
 */
import { field, isRecord } from '../manifest/parse.ts';
import { hostMatches } from '../model/host.ts';
import { toStringMap } from '../model/labels.ts';
import type { IstioConfigModel, PodModel } from '../model/mesh.ts';
import { labelsMatch } from '../model/labels.ts';
import { list, nameOf, someOf, strings, type AnalyzerContext } from './context.ts';
import {
  destinationRulesFor,
  drHost,
  drSubsets,
  exportSet,
  vsDestinations,
  vsGateways,
  vsHosts,
  type VsDestination,
} from './destinations.ts';

const describeSelector = (labels: ReadonlyMap<string, string>) => [...labels].map(([k, v]) => `${k}=${v}`).join(',');

/**
 * The server hosts of a Gateway a VirtualService in `vsNamespace` may bind to (virtualservice/gateways.go:
 * vsHostInGateway).
 */
function gatewayHostsFor(gateway: IstioConfigModel, vsNamespace: string): string[] {
  const out: string[] = [];
  for (const server of list(field(gateway.spec, 'servers'))) {
    for (const written of strings(field(server, 'hosts'))) {
      const slash = written.indexOf('/');
      if (slash < 0) {
        out.push(written);
        continue;
      }
      const ns = written.slice(0, slash);
      const host = written.slice(slash + 1);
      if (ns === '*' || ns === vsNamespace || (ns === '.' && gateway.namespace === vsNamespace)) out.push(host);
    }
  }
  return out;
}

function checkGateways(ctx: AnalyzerContext, vs: IstioConfigModel): void {
  const hosts = vsHosts(ctx, vs).map((h) => h.host);
  for (const { name, index } of vsGateways(vs)) {
    if (name === 'mesh' || index === undefined) continue;
    const gateway = ctx.config('Gateway', name);
    const path = ['spec', 'gateways', index];
    // A Gateway API Gateway may be named too (virtualservice/gateways.go).
    if (!gateway && ctx.hasObject('gateway.networking.k8s.io', 'Gateway', name)) continue;
    if (!gateway) {
      // IST0101 ReferencedResourceNotFound (virtualservice/gateways.go)
      ctx.report(
        vs.source,
        path,
        'error',
        'IST0101',
        `Gateway ${name} does not exist: istiod binds this VirtualService to nothing there, so ` +
          'requests through that gateway get 404 NR.',
      );
      continue;
    }
    if (hosts.length === 0) continue;
    const serverHosts = gatewayHostsFor(gateway, vs.namespace);
    if (!serverHosts.some((g) => hosts.some((h) => g === '*' || hostMatches(g.toLowerCase(), h)))) {
      // IST0132 VirtualServiceHostNotFoundInGateway (virtualservice/gateways.go)
      ctx.report(
        vs.source,
        path,
        'warning',
        'IST0132',
        `None of this VirtualService's hosts (${someOf(hosts)}) is a host of Gateway ${name} ` +
          `(${serverHosts.length > 0 ? someOf(serverHosts) : `no server hosts open to namespace ${vs.namespace}`}): ` +
          'the gateway never uses these routes (404 NR).',
      );
    }
  }
}

/**
 * Ports a route of this VirtualService is built for: its hosts' service ports on sidecars, server ports on gateways.
 */
function listenerPorts(ctx: AnalyzerContext, vs: IstioConfigModel): Set<number> {
  const ports = new Set<number>();
  for (const { name } of vsGateways(vs)) {
    if (name === 'mesh') {
      for (const { host } of vsHosts(ctx, vs)) {
        const known = ctx.lookupHost(host);
        if (known.length === 0) ports.add(80);
        for (const k of known) for (const p of k.ports) ports.add(p.number);
      }
    } else {
      const gateway = ctx.config('Gateway', name);
      for (const server of list(field(gateway?.spec, 'servers'))) {
        const number = field(field(server, 'port'), 'number');
        if (typeof number === 'number') ports.add(number);
      }
    }
  }
  return ports;
}

function checkDestination(
  ctx: AnalyzerContext,
  vs: IstioConfigModel,
  d: VsDestination,
  ports: () => Set<number>,
): void {
  const what = d.mirror ? 'mirror host' : 'host';
  const known = ctx.lookupHost(d.host);
  if (known.length === 0) {
    // IST0101 ReferencedResourceNotFound (virtualservice/destinationhosts.go)
    ctx.report(
      vs.source,
      [...d.path, 'host'],
      'error',
      'IST0101',
      `No Service or ServiceEntry has the ${what} ` +
        `${d.host}${d.written !== d.host ? ` ("${d.written}" in namespace ${vs.namespace})` : ''}: ` +
        'Envoy has no cluster for it, so this route answers 503 NC (cluster not found).',
    );
    return;
  }
  const servicePorts = [...new Set(known.flatMap((k) => k.ports.map((p) => p.number)))];
  if (d.port !== undefined) {
    if (servicePorts.length > 0 && !servicePorts.includes(d.port))
      // IST0101 ReferencedResourceNotFound, "host:port" (virtualservice/destinationhosts.go: checkServiceEntryPorts)
      ctx.report(
        vs.source,
        [...d.path, 'port', 'number'],
        'error',
        'IST0101',
        `${d.host} has no port ${d.port} (it has ${servicePorts.join(', ')}): the cluster ` +
          `outbound|${d.port}||${d.host} does not exist, so this route answers 503 NC.`,
      );
  } else if (servicePorts.length > 1) {
    // Without a port, istiod uses the port the route is served on (route.go: GetDestinationCluster), so a destination
    // with several ports is a problem only where that port is not one of them.
    const missing = [...ports()].filter((p) => !servicePorts.includes(p));
    if (missing.length > 0)
      // IST0112 VirtualServiceDestinationPortSelectorRequired (virtualservice/destinationhosts.go)
      ctx.report(
        vs.source,
        [...d.path, 'host'],
        'warning',
        'IST0112',
        `${d.host} has several ports (${servicePorts.join(', ')}) and this destination names ` +
          'none: istiod then uses the port the request came in on, and on port ' +
          `${someOf(missing.map(String))} that is a cluster that does not exist (503 NC). Set ` +
          'destination.port.number.',
      );
  }
  if (d.subset !== undefined) {
    const rules = destinationRulesFor(ctx, d.host);
    if (!rules.some((dr) => drSubsets(dr).some((s) => s.name === d.subset)))
      // IST0101 ReferencedResourceNotFound, "host+subset in destinationrule" (virtualservice/destinationrules.go)
      ctx.report(
        vs.source,
        [...d.path, 'subset'],
        'error',
        'IST0101',
        `No DestinationRule for ${d.host} defines the subset ${d.subset}` +
          (rules.length > 0
            ? ` (${someOf(rules.map(nameOf))} ${rules.length > 1 ? 'define' : 'defines'} ` +
              `${someOf([...new Set(rules.flatMap((r) => drSubsets(r).map((s) => s.name)))]) || 'no subsets'})`
            : '') +
          `: the cluster outbound|${d.port ?? '<port>'}|${d.subset}|${d.host} does not exist, so ` +
          'this route answers 503 NC.',
      );
  }
}

function checkDelegates(ctx: AnalyzerContext, vs: IstioConfigModel): void {
  list(field(vs.spec, 'http')).forEach((rule, r) => {
    const delegate = field(rule, 'delegate');
    const name = field(delegate, 'name');
    if (typeof name !== 'string') return;
    const namespace = field(delegate, 'namespace');
    const ref = `${typeof namespace === 'string' && namespace !== '' ? namespace : vs.namespace}/${name}`;
    const target = ctx.config('VirtualService', ref);
    const path = ['spec', 'http', r, 'delegate'];
    // Only a VirtualService without hosts, exported to the root's namespace, can be a delegate
    // (virtualservice_controller.go: mergeVirtualServices).
    let problem: string | undefined;
    if (!target) problem = `the delegate VirtualService ${ref} does not exist`;
    else if (strings(field(target.spec, 'hosts')).length > 0)
      problem = `${ref} has hosts, and only a VirtualService without hosts can be a delegate`;
    else {
      const exported = exportSet(
        field(target.spec, 'exportTo'),
        target.namespace,
        ctx.model.meshConfig.defaultVirtualServiceExportTo,
      );
      if (!exported.has('*') && !exported.has(vs.namespace))
        problem = `${ref} is not exported to namespace ${vs.namespace}`;
    }
    if (problem)
      // IST0101 ReferencedResourceNotFound (Meshpath also reports it for delegates; istioctl does not)
      ctx.report(
        vs.source,
        path,
        'error',
        'IST0101',
        `${problem[0]?.toUpperCase()}${problem.slice(1)}: istiod drops this rule, so its ` +
          'requests fall through to the next rule (or 404 NR).',
      );
  });
}

function checkDestinationRuleHost(ctx: AnalyzerContext, dr: IstioConfigModel): void {
  const host = drHost(ctx, dr);
  if (!host) return;
  const known =
    host === '*' ? true : host.startsWith('*.') ? ctx.hasHostUnder(host.slice(2)) : ctx.lookupHost(host).length > 0;
  if (!known)
    // IST0174 UnknownDestinationRuleHost (destinationrule/subset.go)
    ctx.report(
      dr.source,
      ['spec', 'host'],
      'warning',
      'IST0174',
      `No Service or ServiceEntry has the host ${host}: this DestinationRule applies to nothing.`,
    );
}

/**
 * Short names are not expanded in Sidecar egress hosts (sidecar.go: convertIstioListenerToWrapper); `ns/*` lines are
 * taken as intended.
 */
function checkSidecarEgressHosts(ctx: AnalyzerContext, sidecar: IstioConfigModel): void {
  list(field(sidecar.spec, 'egress')).forEach((listener, l) => {
    strings(field(listener, 'hosts')).forEach((written, h) => {
      const slash = written.indexOf('/');
      if (slash < 0 || written.startsWith('~')) return;
      const nsPart = written.slice(0, slash);
      const host = written.slice(slash + 1).toLowerCase();
      if (host === '*' || host === '') return;
      const namespace =
        nsPart === '*' || (nsPart === '.' && sidecar.namespace === ctx.rootNamespace)
          ? undefined
          : nsPart === '.'
            ? sidecar.namespace
            : nsPart;
      const path = ['spec', 'egress', l, 'hosts', h];
      const found = host.startsWith('*.')
        ? ctx.hasHostUnder(host.slice(2), namespace)
        : ctx.lookupHost(host).some((k) => namespace === undefined || k.namespace === namespace);
      if (found) return;
      const shortName = !host.includes('.') && !host.startsWith('*');
      ctx.report(
        sidecar.source,
        path,
        'warning',
        'EGRESS_HOST_NOT_FOUND',
        shortName
          ? `Egress host "${written}" is a short name, and Sidecar hosts are matched literally: it ` +
              'imports nothing. Write ' +
              `${nsPart}/${host}.${namespace ?? '<namespace>'}.svc.${ctx.clusterDomain} (or ` +
              `${nsPart}/*).`
          : `No Service or ServiceEntry${namespace ? ` in namespace ${namespace}` : ''} has the ` +
              `host ${host}: this egress host imports nothing.`,
      );
    });
  });
}

/** Pods of the mesh a policy's selector picks: in its namespace, or anywhere for the root namespace. */
function selectedPods(
  ctx: AnalyzerContext,
  policy: IstioConfigModel,
  selector: ReadonlyMap<string, string>,
): PodModel[] {
  return ctx.selectPods(policy.namespace === ctx.rootNamespace ? undefined : policy.namespace, selector);
}

function checkPolicySelector(ctx: AnalyzerContext, policy: IstioConfigModel): void {
  const matchLabels = toStringMap(field(field(policy.spec, 'selector'), 'matchLabels'));
  if (matchLabels.size === 0) return;
  const path = ['spec', 'selector', 'matchLabels'];
  if (policy.kind === 'PeerAuthentication' && policy.namespace === ctx.rootNamespace) {
    // A root-namespace PeerAuthentication with a selector is ignored (pilot/pkg/security/authn/policy_applier.go:
    // ComposePeerAuthentication).
    ctx.report(
      policy.source,
      ['spec', 'selector'],
      'warning',
      'PEER_AUTHENTICATION_IGNORED',
      `A PeerAuthentication in the root namespace ${ctx.rootNamespace} with a selector is ` +
        `ignored by istiod: move it to the workloads' namespace, or drop the selector to make ` +
        'it mesh-wide.',
    );
    return;
  }
  const pods = selectedPods(ctx, policy, matchLabels);
  // Ambient pods count: ztunnel enforces the policy (authz/authorizationpolicies.go: PodInAmbientMode).
  const withProxy = pods.filter((p) => p.proxy.kind !== 'none' || p.dataPlane.mode === 'ambient');
  if (withProxy.length > 0) return;
  const where = policy.namespace === ctx.rootNamespace ? 'in the mesh' : `in namespace ${policy.namespace}`;
  // IST0127 NoMatchingWorkloadsFound (authz/authorizationpolicies.go; Meshpath checks PeerAuthentication the same way)
  ctx.report(
    policy.source,
    path,
    'warning',
    'IST0127',
    pods.length === 0
      ? `No pod ${where} has the labels ${describeSelector(matchLabels)}: this ${policy.kind} applies to nothing.`
      : `The pods ${where} with the labels ${describeSelector(matchLabels)} ` +
          `(${someOf(pods.map((p) => p.name))}) have no Istio proxy: nothing enforces this ` +
          `${policy.kind}.`,
  );
}

function checkSidecarSelector(ctx: AnalyzerContext, sidecar: IstioConfigModel): void {
  const labels = toStringMap(field(field(sidecar.spec, 'workloadSelector'), 'labels'));
  if (labels.size === 0 || ctx.selectPods(sidecar.namespace, labels).length > 0) return;
  // IST0101 ReferencedResourceNotFound, "selector" (sidecar/selector.go)
  ctx.report(
    sidecar.source,
    ['spec', 'workloadSelector', 'labels'],
    'error',
    'IST0101',
    `No pod in namespace ${sidecar.namespace} has the labels ${describeSelector(labels)}: ` +
      'this Sidecar applies to nothing.',
  );
}

function checkGatewaySelector(ctx: AnalyzerContext, gateway: IstioConfigModel): void {
  const selector = toStringMap(field(gateway.spec, 'selector'));
  if (selector.size === 0) return;
  // Gateway selectors are mesh-wide (push_context.go: mergeGateways; PILOT_SCOPE_GATEWAY_TO_NAMESPACE off).
  const pods = ctx.selectPods(undefined, selector);
  const gatewayPods = pods.filter((p) => p.proxy.kind === 'gateway');
  if (gatewayPods.length > 0) {
    checkGatewayPorts(ctx, gateway, gatewayPods);
    return;
  }
  // IST0101 ReferencedResourceNotFound, "selector" (gateway/gateway.go)
  ctx.report(
    gateway.source,
    ['spec', 'selector'],
    'error',
    'IST0101',
    pods.length === 0
      ? `No pod has the labels ${describeSelector(selector)}: no gateway proxy serves this ` +
          'Gateway, so nothing listens on its servers.'
      : `The pods with the labels ${describeSelector(selector)} ` +
          `(${someOf(pods.map((p) => `${p.namespace}/${p.name}`))}) are not gateway proxies: ` +
          'istiod sends Gateway config only to gateways, so nothing listens on its servers.',
  );
}

/**
 * A server port must be a port or a targetPort of a Service in front of the gateway pods, or no client outside reaches
 * it (gateway/gateway.go: IngressGatewayPortAnalyzer; istiod maps a server port through the Service's
 * port → targetPort, pilot/pkg/model/gateway.go: resolvePorts).
 */
function checkGatewayPorts(ctx: AnalyzerContext, gateway: IstioConfigModel, pods: readonly PodModel[]): void {
  const byPod = ctx.servicesByPod();
  const services = [...new Set(pods.flatMap((p) => byPod.get(p) ?? []))];
  if (services.length === 0) return;
  const open = new Set<number>();
  for (const service of services)
    for (const port of service.ports) {
      if (port.protocol !== 'TCP') continue;
      open.add(port.port);
      if (typeof port.targetPort === 'number') open.add(port.targetPort);
    }
  list(field(gateway.spec, 'servers')).forEach((server, s) => {
    const number = field(field(server, 'port'), 'number');
    if (typeof number !== 'number' || open.has(number)) return;
    // IST0162 GatewayPortNotDefinedOnService
    ctx.report(
      gateway.source,
      ['spec', 'servers', s, 'port', 'number'],
      'warning',
      'IST0162',
      'No Service in front of the gateway pods ' +
        `(${someOf(services.map((v) => `${v.namespace}/${v.name}`))}) has port or targetPort ` +
        `${number}: clients outside the mesh cannot reach this server. Add the port to the ` +
        'Service, or use one it has ' +
        `(${someOf([...open].sort((a, b) => a - b).map(String), 6)}).`,
    );
  });
}

function checkServiceEntrySelector(ctx: AnalyzerContext, se: IstioConfigModel): void {
  const selector = field(se.spec, 'workloadSelector');
  if (!isRecord(selector)) return;
  const labels = toStringMap(field(selector, 'labels'));
  if (labels.size === 0) return;
  const pods = ctx.selectPods(se.namespace, labels);
  const entries = ctx.workloadEntriesIn(se.namespace).filter((e) => labelsMatch(labels, e.labels));
  if (pods.length > 0 || entries.length > 0) return;
  // IST0127 NoMatchingWorkloadsFound (Meshpath reports it for ServiceEntry workloadSelectors; istioctl does not)
  ctx.report(
    se.source,
    ['spec', 'workloadSelector', 'labels'],
    'warning',
    'IST0127',
    `No pod or WorkloadEntry in namespace ${se.namespace} has the labels ` +
      `${describeSelector(labels)}: this ServiceEntry has no endpoints, so calls to it get ` +
      '503 UH (no healthy upstream).',
  );
}

/** `*`, `prefix*`, `*suffix` or an exact name (authz/authorizationpolicies.go: namespaceMatch). */
function namespaceMatches(pattern: string, namespaces: ReadonlyMap<string, unknown>): boolean {
  if (pattern === '*' || namespaces.has(pattern)) return true;
  if (!pattern.startsWith('*') && !pattern.endsWith('*')) return false;
  for (const name of namespaces.keys())
    if (pattern.startsWith('*') ? name.endsWith(pattern.slice(1)) : name.startsWith(pattern.slice(0, -1))) return true;
  return false;
}

function checkPolicyNamespaces(ctx: AnalyzerContext, policy: IstioConfigModel): void {
  list(field(policy.spec, 'rules')).forEach((rule, i) => {
    list(field(rule, 'from')).forEach((from, j) => {
      for (const key of ['namespaces', 'notNamespaces'])
        strings(field(field(from, 'source'), key)).forEach((ns, k) => {
          if (namespaceMatches(ns, ctx.model.namespaces)) return;
          // IST0101 ReferencedResourceNotFound, "namespace" (authz/authorizationpolicies.go: analyzeNamespaceNotFound)
          ctx.report(
            policy.source,
            ['spec', 'rules', i, 'from', j, 'source', key, k],
            'error',
            'IST0101',
            `No namespace ${ns} is in the manifests: this ` +
              `${key === 'namespaces' ? 'condition matches no caller' : 'exclusion excludes no caller'}.`,
          );
        });
    });
  });
}

export function analyzeReferences(ctx: AnalyzerContext): void {
  for (const vs of ctx.istio('VirtualService')) {
    checkGateways(ctx, vs);
    let ports: Set<number> | undefined;
    const lazyPorts = () => (ports ??= listenerPorts(ctx, vs));
    for (const d of vsDestinations(ctx, vs)) checkDestination(ctx, vs, d, lazyPorts);
    checkDelegates(ctx, vs);
  }
  for (const dr of ctx.istio('DestinationRule')) checkDestinationRuleHost(ctx, dr);
  for (const sidecar of ctx.istio('Sidecar')) {
    checkSidecarEgressHosts(ctx, sidecar);
    checkSidecarSelector(ctx, sidecar);
  }
  for (const policy of [...ctx.istio('AuthorizationPolicy'), ...ctx.istio('PeerAuthentication')])
    checkPolicySelector(ctx, policy);
  for (const policy of ctx.istio('AuthorizationPolicy')) checkPolicyNamespaces(ctx, policy);
  for (const gateway of ctx.istio('Gateway')) checkGatewaySelector(ctx, gateway);
  for (const se of ctx.istio('ServiceEntry')) checkServiceEntrySelector(ctx, se);
}
