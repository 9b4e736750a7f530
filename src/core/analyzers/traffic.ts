/**
 * Traffic that will not go where the manifests seem to send it: subsets without endpoints, weights that are not the
 * split they look like, rules no request reaches, ports Istio cannot read a protocol from, targetPorts that name
 * nothing.
 */
import { field, isRecord } from '../manifest/parse.ts';
import { labelsMatch, toStringMap } from '../model/labels.ts';
import type { IstioConfigModel, ServiceModel } from '../model/mesh.ts';
import { kubernetesPortProtocol } from '../registry/protocol.ts';
import { list, someOf, type AnalyzerContext, type KnownHost } from './context.ts';
import { drHost, drSubsets, routedSubsets } from './destinations.ts';

/**
 * Whether some endpoint of a known host carries every label of `labels` (pilot/pkg/xds/endpoints: subset label filter).
 */
function hasEndpointWith(
  ctx: AnalyzerContext,
  host: KnownHost,
  labels: ReadonlyMap<string, string>,
): boolean | undefined {
  const entries = (selector: ReadonlyMap<string, string>) =>
    ctx.workloadEntriesIn(host.namespace).some((e) => labelsMatch(selector, e.labels));
  if (host.kind === 'Service') {
    // endpoints not derived from labels
    if (host.externalName || !host.selector || host.selector.size === 0) return undefined;
    const selector = new Map([...host.selector, ...labels]);
    return ctx.selectPods(host.namespace, selector).length > 0 || entries(selector);
  }
  const listed = list(field(host.config?.spec, 'endpoints'));
  if (listed.length > 0) return listed.some((e) => labelsMatch(labels, toStringMap(field(e, 'labels'))));
  if (host.selector) {
    const selector = new Map([...host.selector, ...labels]);
    return ctx.selectPods(host.namespace, selector).length > 0 || entries(selector);
  }
  return false; // a DNS entry's own host name: an endpoint without labels
}

const AUGMENTED = /^(topology\.istio\.io\/|topology\.kubernetes\.io\/|kubernetes\.io\/hostname$)/;

function subsetsWithoutEndpoints(ctx: AnalyzerContext, dr: IstioConfigModel): void {
  const host = drHost(ctx, dr);
  if (!host || host.includes('*')) return;
  const known = ctx.exactHosts(host);
  if (known.length === 0) return;
  const routed = routedSubsets(ctx);
  for (const subset of drSubsets(dr)) {
    // istiod adds locality, node, cluster and network labels to endpoints (serviceregistry/util/label: AugmentLabels).
    if (subset.labels.size === 0 || [...subset.labels.keys()].some((k) => AUGMENTED.test(k))) continue;
    const results = known.map((k) => hasEndpointWith(ctx, k, subset.labels));
    if (results.some((r) => r !== false)) continue;
    const used = routed.has(`${host}|${subset.name}`);
    // IST0173 DestinationRuleSubsetNotSelectPods (destinationrule/subset.go)
    ctx.report(
      dr.source,
      ['spec', 'subsets', subset.index, 'labels'],
      used ? 'error' : 'warning',
      'IST0173',
      `No endpoint of ${host} has the labels ` +
        `${[...subset.labels].map(([k, v]) => `${k}=${v}`).join(',')}: the subset ` +
        `${subset.name} is empty, so ` +
        `${used ? 'the routes that send to it answer' : 'a route to it would answer'} 503 UH ` +
        '(no healthy upstream).',
      { host, subset: subset.name },
    );
  }
}

/**
 * Istio hands VirtualService weights to Envoy as they are: relative weights, not percentages; with several
 * destinations it drops those of weight 0, and one destination gets everything (route/route.go: translateRoute).
 */
function weights(ctx: AnalyzerContext, vs: IstioConfigModel): void {
  for (const protocol of ['http', 'tcp', 'tls'] as const) {
    list(field(vs.spec, protocol)).forEach((rule, r) => {
      const route = list(field(rule, 'route'));
      const path = ['spec', protocol, r, 'route'];
      const weightOf = (entry: unknown) =>
        typeof field(entry, 'weight') === 'number' ? (field(entry, 'weight') as number) : 0;
      const hostOf = (entry: unknown) => {
        const d = field(entry, 'destination');
        const subset = field(d, 'subset');
        const host = field(d, 'host');
        return `${typeof host === 'string' ? host : '?'}${typeof subset === 'string' ? `/${subset}` : ''}`;
      };
      if (route.length === 1) {
        const weight = field(route[0], 'weight');
        if (typeof weight === 'number' && weight !== 100 && weight !== 0)
          ctx.report(
            vs.source,
            [...path, 0, 'weight'],
            'info',
            'WEIGHTS_NOT_100',
            `weight ${weight} is ignored: with a single destination, ${hostOf(route[0])} gets all the traffic.`,
          );
        return;
      }
      if (route.length < 2) return;
      const total = route.reduce<number>((sum, entry) => sum + weightOf(entry), 0);
      if (total <= 0) {
        ctx.report(
          vs.source,
          path,
          'error',
          'WEIGHTS_NOT_100',
          `These ${route.length} destinations have no weights (total 0): istiod rejects this ` +
            'VirtualService ("total destination weight = 0"). Give each a weight.',
        );
        return;
      }
      const dropped = route.filter((e) => weightOf(e) <= 0);
      if (total === 100 && dropped.length === 0) return;
      const share = route
        .filter((e) => weightOf(e) > 0)
        .map((e) => `${hostOf(e)} ${Math.round((weightOf(e) / total) * 1000) / 10}%`);
      const parts = [
        total !== 100 ? `the weights add up to ${total}, not 100, and Envoy uses them as relative weights` : '',
        dropped.length > 0
          ? `${someOf(dropped.map(hostOf))} ${dropped.length > 1 ? 'have' : 'has'} no weight, and ` +
            'istiod drops a destination of weight 0 when there are several'
          : '',
      ].filter((p) => p !== '');
      ctx.report(
        vs.source,
        path,
        'warning',
        'WEIGHTS_NOT_100',
        `${parts.join('; ')}: the split is ${share.join(', ')}.`,
      );
    });
  }
}

/** JSON with sorted keys, so that two matches written in a different order compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** HTTP rules no request reaches (pkg/config/validation/validation.go: analyzeUnreachableHTTPRules). */
function unreachableRules(ctx: AnalyzerContext, vs: IstioConfigModel): void {
  const rules = list(field(vs.spec, 'http'));
  let catchAll: number | undefined;
  const seen = new Map<string, number>();
  const ruleName = (i: number) => {
    const name = field(rules[i], 'name');
    return typeof name === 'string' ? `${name} (http[${i}])` : `http[${i}]`;
  };
  rules.forEach((rule, i) => {
    if (!isRecord(rule)) return;
    const matches = list(field(rule, 'match'));
    // A match with no condition (only a name) matches every request, like a rule without matches.
    const matchesAll =
      matches.length === 0 || matches.some((m) => isRecord(m) && Object.keys(m).every((k) => k === 'name'));
    if (catchAll !== undefined) {
      // IST0130 VirtualServiceUnreachableRule
      ctx.report(
        vs.source,
        ['spec', 'http', i],
        'warning',
        'IST0130',
        `Rule ${ruleName(i)} is never used: ${ruleName(catchAll)} before it matches every request.`,
      );
      return;
    }
    if (matchesAll) {
      catchAll = i;
      return;
    }
    let duplicates = 0;
    matches.forEach((match, m) => {
      const key = canonical(match);
      const earlier = seen.get(key);
      if (earlier === undefined) {
        seen.set(key, i);
        return;
      }
      duplicates++;
      // IST0131 VirtualServiceIneffectiveMatch
      if (duplicates < matches.length)
        ctx.report(
          vs.source,
          ['spec', 'http', i, 'match', m],
          'info',
          'IST0131',
          `This match of ${ruleName(i)} is never used: ${ruleName(earlier)} has the same match and comes first.`,
        );
    });
    if (duplicates === matches.length)
      ctx.report(
        vs.source,
        ['spec', 'http', i],
        'warning',
        'IST0130',
        `Rule ${ruleName(i)} is never used: earlier rules have all its matches.`,
      );
  });
}

// k8s.io/apimachinery/pkg/util/validation: IsValidPortName (IANA_SVC_NAME).
const PORT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function servicePorts(ctx: AnalyzerContext, service: ServiceModel): void {
  const spec = field(ctx.objectValue(service.source), 'spec');
  const controlPlane = service.labels.has('istio') || service.labels.get('release') === 'istio';
  let pods: ReturnType<AnalyzerContext['selectPods']> | undefined;
  list(field(spec, 'ports')).forEach((port, i) => {
    const number = field(port, 'port');
    if (typeof number !== 'number') return;
    const name = field(port, 'name');
    const l4 = field(port, 'protocol');
    const appProtocol = field(port, 'appProtocol');
    const targetPort = field(port, 'targetPort');
    const path = ['spec', 'ports', i];
    if (typeof targetPort === 'string') {
      const problem = /^[0-9]+$/.test(targetPort)
        ? `targetPort "${targetPort}" is a string, so Kubernetes reads it as a port name, and a ` +
          'port name needs a letter: kubectl rejects this Service. Write targetPort: ' +
          `${targetPort} without quotes.`
        : targetPort.length > 15 ||
            !PORT_NAME.test(targetPort) ||
            targetPort.includes('--') ||
            !/[a-z]/.test(targetPort)
          ? `targetPort "${targetPort}" is not a valid port name (at most 15 lowercase letters, ` +
            'digits and single "-", with at least one letter): kubectl rejects this Service.'
          : undefined;
      if (problem) ctx.report(service.source, [...path, 'targetPort'], 'error', 'TARGET_PORT_INVALID', problem);
      else if (service.selector && service.selector.size > 0) {
        pods ??= ctx.selectPods(service.namespace, service.selector);
        if (pods.length > 0 && !pods.some((p) => p.containerPorts.some((c) => c.name === targetPort)))
          ctx.report(
            service.source,
            [...path, 'targetPort'],
            'warning',
            'TARGET_PORT_NOT_FOUND',
            `No pod this Service selects (${someOf(pods.map((p) => p.name))}) has a container port ` +
              `named ${targetPort}: Kubernetes lists no endpoints for port ${number}, so calls to it ` +
              'fail (503 UH from a sidecar).',
          );
      }
    }
    if (service.type === 'ExternalName' || controlPlane || l4 === 'UDP' || l4 === 'SCTP') return;
    const protocol = kubernetesPortProtocol(
      number,
      typeof name === 'string' ? name : undefined,
      typeof l4 === 'string' ? l4 : 'TCP',
      typeof appProtocol === 'string' ? appProtocol : undefined,
    );
    if (protocol === 'Unsupported')
      // IST0118 PortNameIsNotUnderNamingConvention (service/portname.go)
      ctx.report(
        service.source,
        typeof name === 'string' ? [...path, 'name'] : path,
        'info',
        'IST0118',
        'Istio cannot read a protocol from ' +
          (typeof name === 'string' ? `the port name "${name}"` : 'an unnamed port') +
          (typeof appProtocol === 'string' ? ` or appProtocol "${appProtocol}"` : '') +
          ', so proxies sniff it (HTTP/1.1 and h2c are routed as HTTP, anything else is plain TCP, ' +
          'and a server-first protocol waits for the client). Name it <protocol>[-suffix], e.g. ' +
          `http-${typeof name === 'string' && name !== '' ? name : number}, or set appProtocol.`,
      );
  });
}

/**
 * Services that select the same workload and send the same targetPort from different service ports
 * (deployment/services.go: analyzeDeploymentTargetPorts), reported once per workload.
 */
function conflictingTargetPorts(ctx: AnalyzerContext): void {
  const reported = new Set<string>();
  for (const [pod, services] of ctx.servicesByPod()) {
    if (services.length < 2) continue;
    const owner = pod.owner ?? pod.source;
    const key = `${owner.kind}/${owner.namespace ?? ''}/${owner.name}`;
    if (reported.has(key)) continue;
    const byTarget = new Map<string, Map<number, string>>();
    for (const service of services)
      for (const port of service.ports) {
        const target = String(port.targetPort);
        const ports = byTarget.get(target) ?? new Map<number, string>();
        if (!ports.has(port.port)) ports.set(port.port, `${service.namespace}/${service.name}`);
        byTarget.set(target, ports);
      }
    for (const [target, ports] of byTarget) {
      if (ports.size < 2) continue;
      reported.add(key);
      // IST0137 DeploymentConflictingPorts
      ctx.report(
        owner,
        ['metadata', 'name'],
        'warning',
        'IST0137',
        `Services ${someOf([...new Set(ports.values())])} select ${owner.kind} ` +
          `${owner.namespace ?? ''}/${owner.name} and send targetPort ${target} from different ` +
          `service ports (${[...ports.keys()].sort((a, b) => a - b).join(', ')}): Istio requires ` +
          'services that share a workload and a target port to use the same service port. Give ' +
          'them the same port.',
      );
      break;
    }
  }
}

export function analyzeTraffic(ctx: AnalyzerContext): void {
  conflictingTargetPorts(ctx);
  for (const dr of ctx.istio('DestinationRule')) subsetsWithoutEndpoints(ctx, dr);
  for (const vs of ctx.istio('VirtualService')) {
    weights(ctx, vs);
    unreachableRules(ctx, vs);
  }
  for (const service of ctx.model.services) servicePorts(ctx, service);
}
