/**
 * Several objects claiming the same thing: VirtualServices for one host, DestinationRules for one host, Gateway servers
 * for one host and port, ServiceEntries for one host, Sidecars for one workload. Each finding says which one Istio uses
 * and why the others are merged or ignored.
 */
import { field } from '../manifest/parse.ts';
import { toStringMap } from '../model/labels.ts';
import type { IstioConfigModel, PodModel } from '../model/mesh.ts';
import { list, nameOf, parentDomains, someOf, strings, type AnalyzerContext, type KnownHost } from './context.ts';
import { boundToMesh, destinationRuleIndex, drHost, drSubsets, exportSet, vsHosts } from './destinations.ts';

const byOrder = (a: { order: number }, b: { order: number }) => a.order - b.order;
const CREATION_ORDER =
  'Meshpath orders by metadata.creationTimestamp, equal times by name then namespace; objects without one count as ' +
  'applied now, together, after those with one';

/**
 * The VirtualServices for one host that a sidecar in `namespace` sees, in the order istiod uses them: private to the
 * namespace, exported to it by name, then public; each oldest first (pilot/pkg/model/virtualservice.go:
 * SelectVirtualServices).
 * `namespace` undefined stands for any namespace no exportTo names.
 */
function vsPrecedence(
  group: readonly IstioConfigModel[],
  namespace: string | undefined,
  exportOf: (vs: IstioConfigModel) => Set<string>,
): Array<{ vs: IstioConfigModel; why: string }> {
  const tiers: Array<Array<{ vs: IstioConfigModel; why: string }>> = [[], [], []];
  for (const vs of group) {
    const exported = exportOf(vs);
    if (exported.has('*')) tiers[2]?.push({ vs, why: 'public' });
    else if (namespace === undefined || exported.has('~') || !exported.has(namespace)) continue;
    else if (vs.namespace === namespace) tiers[0]?.push({ vs, why: `private to namespace ${namespace}` });
    else tiers[1]?.push({ vs, why: `exported to namespace ${namespace} by name` });
  }
  return tiers.flat();
}

function virtualServiceConflicts(ctx: AnalyzerContext): void {
  const exportOf = (vs: IstioConfigModel) =>
    exportSet(field(vs.spec, 'exportTo'), vs.namespace, ctx.model.meshConfig.defaultVirtualServiceExportTo);
  const byHost = new Map<string, IstioConfigModel[]>();
  for (const vs of ctx.istio('VirtualService')) {
    if (!boundToMesh(vs)) continue;
    for (const host of new Set(vsHosts(ctx, vs).map((h) => h.host))) {
      const found = byHost.get(host);
      if (found) found.push(vs);
      else byHost.set(host, [vs]);
    }
  }
  for (const [host, group] of byHost) {
    if (group.length < 2) continue;
    group.sort(byOrder);
    const named = new Set<string>();
    for (const vs of group) for (const e of exportOf(vs)) if (e !== '*' && e !== '~') named.add(e);
    // Who wins for proxies in each namespace an exportTo names, and in every other namespace.
    const outcomes = [...named, undefined].map((namespace) => ({
      namespace,
      order: vsPrecedence(group, namespace, exportOf),
    }));
    const names = someOf(group.map(nameOf), 4);
    for (const vs of group) {
      const lost = outcomes.filter((o) => o.order.some((e) => e.vs === vs) && o.order[0]?.vs !== vs);
      const won = outcomes.filter((o) => o.order[0]?.vs === vs);
      const where = (ns: Array<string | undefined>) =>
        ns.includes(undefined)
          ? ns.length === 1
            ? 'in every namespace'
            : 'in most namespaces'
          : `for proxies in ${someOf(ns as string[])}`;
      let message: string;
      if (lost.length > 0) {
        const first = lost[0]?.order[0];
        const winner = first?.vs;
        const reason =
          first?.why === 'public'
            ? `it is older (${CREATION_ORDER})`
            : `it is ${first?.why ?? ''}, which comes before ` +
              `${lost[0]?.order.find((e) => e.vs === vs)?.why ?? ''} ones`;
        message =
          `VirtualServices ${names} all define ${host} for sidecars (mesh). A proxy uses the ` +
          `first one for a host and ignores the rest: ${winner ? nameOf(winner) : '?'} wins ` +
          `${where(lost.map((o) => o.namespace))} because ${reason}, so this VirtualService is ` +
          `ignored for ${host} there. Merge them into one VirtualService.`;
      } else if (won.length > 0) {
        message =
          `VirtualServices ${names} all define ${host} for sidecars (mesh). This one is used ` +
          `${where(won.map((o) => o.namespace))} ` +
          `(${won[0]?.order[0]?.why === 'public' ? `it is the oldest; ${CREATION_ORDER}` : won[0]?.order[0]?.why}); ` +
          `the others are ignored for ${host} there. Merge them into one VirtualService.`;
      } else continue;
      // IST0109 ConflictingMeshGatewayVirtualServiceHosts (virtualservice/conflictingmeshgatewayhosts.go);
      // the winner follows pilot/pkg/model/virtualservice.go: SelectVirtualServices and route.go:
      // BuildSidecarVirtualHostWrapper.
      const hostIndex = vsHosts(ctx, vs).find((h) => h.host === host)?.index ?? 0;
      ctx.report(vs.source, ['spec', 'hosts', hostIndex], 'warning', 'IST0109', message, { host });
    }
  }
}

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((e) => b.has(e));

function selectorKey(dr: IstioConfigModel): string {
  const labels = toStringMap(field(field(dr.spec, 'workloadSelector'), 'matchLabels'));
  return [...labels]
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',');
}

/** Rules for one host in one namespace are merged (pilot/pkg/model/destination_rule.go: mergeDestinationRule). */
function destinationRulesMerged(ctx: AnalyzerContext, group: readonly IstioConfigModel[]): void {
  const writtenExport = (dr: IstioConfigModel) => new Set(strings(field(dr.spec, 'exportTo')));
  for (let i = 1; i < group.length; i++) {
    const dr = group[i];
    if (!dr) continue;
    const host = drHost(ctx, dr) ?? '';
    const mergeable = group
      .slice(0, i)
      .filter((older) => sameSet(writtenExport(older), writtenExport(dr)) && selectorKey(older) === selectorKey(dr));
    const older = mergeable[0];
    if (!older) {
      const first = group[0];
      ctx.report(
        dr.source,
        ['spec', 'host'],
        'info',
        'DESTINATION_RULES_MERGED',
        `${first ? nameOf(first) : 'Another DestinationRule'} is also for ${host} in this ` +
          'namespace, with a different exportTo or workloadSelector: istiod keeps the two apart, ' +
          'and which one a proxy uses depends on its namespace and labels.',
      );
      continue;
    }
    const taken = new Set(mergeable.flatMap((o) => drSubsets(o).map((s) => s.name)));
    const duplicate = drSubsets(dr).filter((s) => taken.has(s.name));
    const policyOwner = mergeable.find((o) => field(o.spec, 'trafficPolicy') !== undefined);
    const ignoredPolicy = field(dr.spec, 'trafficPolicy') !== undefined && policyOwner !== undefined;
    const added = drSubsets(dr).filter((s) => !taken.has(s.name));
    const merged = [
      added.length > 0 ? `adding the subset${added.length > 1 ? 's' : ''} ${someOf(added.map((s) => s.name))}` : '',
      field(dr.spec, 'trafficPolicy') !== undefined && !policyOwner
        ? 'taking its trafficPolicy (the older rule has none)'
        : '',
    ].filter((m) => m !== '');
    if (merged.length === 0) merged.push('which adds nothing from this one');
    const problems: string[] = [];
    if (duplicate.length > 0)
      problems.push(
        `its subset${duplicate.length > 1 ? 's' : ''} ${someOf(duplicate.map((s) => s.name))} ` +
          `${duplicate.length > 1 ? 'are' : 'is'} ignored (the older rule defines the name)`,
      );
    if (ignoredPolicy)
      problems.push(
        `its trafficPolicy is ignored (${policyOwner ? nameOf(policyOwner) : 'the older rule'} already has one)`,
      );
    ctx.report(
      dr.source,
      duplicate.length > 0
        ? ['spec', 'subsets', duplicate[0]?.index ?? 0, 'name']
        : ignoredPolicy
          ? ['spec', 'trafficPolicy']
          : ['spec', 'host'],
      problems.length > 0 ? 'warning' : 'info',
      'DESTINATION_RULES_MERGED',
      `${nameOf(older)} is also for ${host} in namespace ${dr.namespace}: istiod merges the ` +
        'two into the older one, ' +
        `${merged.join(' and ')}${problems.length > 0 ? `, but ${problems.join(' and ')}` : ''}. ` +
        `${CREATION_ORDER}.`,
    );
  }
}

/**
 * A proxy looks for a host's DestinationRule in its own namespace first, then the service's, then the root namespace,
 * and stops at the first with a match (pilot/pkg/model/push_context.go: destinationRule): a rule in a client namespace
 * replaces the service owner's rule there, subsets included.
 */
function destinationRulesShadowed(ctx: AnalyzerContext): void {
  const { exact, wildcard } = destinationRuleIndex(ctx);
  const meshDefault = ctx.model.meshConfig.defaultDestinationRuleExportTo;
  // Proxies of the root namespace look first only at its private rules, then at the service's namespace.
  const localTo = (dr: IstioConfigModel) => {
    const e = exportSet(field(dr.spec, 'exportTo'), dr.namespace, meshDefault);
    if (dr.namespace === ctx.rootNamespace) return e.size === 1 && e.has(dr.namespace);
    return e.has('*') || e.has(dr.namespace);
  };
  const selectorless = (dr: IstioConfigModel) => field(dr.spec, 'workloadSelector') === undefined;
  const shadowedBy = new Map<IstioConfigModel, Array<{ owner: IstioConfigModel; host: string; lost: string[] }>>();
  for (const [host, rules] of exact) {
    const owners = ctx.exactHosts(host).map((k) => k.namespace);
    const owner = rules.find((dr) => owners.includes(dr.namespace) && selectorless(dr));
    if (!owner) continue;
    const ownerExport = exportSet(field(owner.spec, 'exportTo'), owner.namespace, meshDefault);
    const visibleIn = (ns: string) => ownerExport.has('*') || ownerExport.has(ns);
    const ownerSubsets = drSubsets(owner).map((s) => s.name);
    const exactNamespaces = new Set(rules.map((r) => r.namespace));
    const shadows = [
      ...rules.filter((r) => r.namespace !== owner.namespace),
      ...[...parentDomains(host), ''].flatMap((d) =>
        (wildcard.get(d) ?? []).filter((r) => !exactNamespaces.has(r.namespace)),
      ),
    ];
    for (const dr of shadows) {
      if (!selectorless(dr) || !localTo(dr) || !visibleIn(dr.namespace) || dr.namespace === owner.namespace) continue;
      const has = new Set(drSubsets(dr).map((s) => s.name));
      const entry = { owner, host, lost: ownerSubsets.filter((s) => !has.has(s)) };
      const found = shadowedBy.get(dr);
      if (found) found.push(entry);
      else shadowedBy.set(dr, [entry]);
    }
  }
  for (const [dr, entries] of shadowedBy) {
    const lost = entries.filter((e) => e.lost.length > 0);
    const first = lost[0] ?? entries[0];
    if (!first) continue;
    ctx.report(
      dr.source,
      ['spec', 'host'],
      lost.length > 0 ? 'warning' : 'info',
      'DESTINATION_RULE_SHADOWED',
      `For proxies in namespace ${dr.namespace}, this rule replaces ` +
        `${someOf(entries.map((e) => nameOf(e.owner)))} for ` +
        `${someOf(entries.map((e) => e.host))}: Istio looks in the client's namespace first and ` +
        "stops there, so the owner's rule does not apply to them" +
        (first.lost.length > 0
          ? `, and its subset${first.lost.length > 1 ? 's' : ''} ${someOf(first.lost)} ` +
            `${first.lost.length > 1 ? 'are' : 'is'} undefined here ` +
            `(routes to ${first.lost.length > 1 ? 'them' : 'it'} get 503 NC)`
          : '') +
        '.',
    );
  }
}

function destinationRuleConflicts(ctx: AnalyzerContext): void {
  const groups = new Map<string, IstioConfigModel[]>();
  for (const dr of ctx.istio('DestinationRule')) {
    const host = drHost(ctx, dr);
    if (!host) continue;
    const key = `${dr.namespace}\u0000${host}`;
    const found = groups.get(key);
    if (found) found.push(dr);
    else groups.set(key, [dr]);
  }
  for (const group of groups.values()) if (group.length > 1) destinationRulesMerged(ctx, [...group].sort(byOrder));
  destinationRulesShadowed(ctx);
}

/**
 * Gateway servers on the same workloads and port that claim the same host (pilot/pkg/model/gateway.go: MergeGateways,
 * CheckDuplicates).
 */
function gatewayConflicts(ctx: AnalyzerContext): void {
  const claimed = new Map<string, { gateway: IstioConfigModel; tls: boolean }>();
  for (const gateway of [...ctx.istio('Gateway')].sort(byOrder)) {
    const selector = [...toStringMap(field(gateway.spec, 'selector'))]
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(',');
    list(field(gateway.spec, 'servers')).forEach((server, s) => {
      const port = field(field(server, 'port'), 'number');
      if (typeof port !== 'number') return;
      const bind = typeof field(server, 'bind') === 'string' ? (field(server, 'bind') as string) : '';
      const tls = field(server, 'tls') !== undefined;
      const clashes: Array<{ host: string; other: IstioConfigModel; bothTls: boolean }> = [];
      const hosts = strings(field(server, 'hosts'));
      for (const host of hosts) {
        const key = `${selector}\u0000${port}\u0000${bind}\u0000${host}`;
        const earlier = claimed.get(key);
        // istioctl compares different Gateways; istiod also skips a TLS server that repeats a host of the same Gateway.
        if (earlier && (earlier.gateway !== gateway || (tls && earlier.tls)))
          clashes.push({ host, other: earlier.gateway, bothTls: tls && earlier.tls });
      }
      if (clashes.length === 0) {
        for (const host of hosts) claimed.set(`${selector}\u0000${port}\u0000${bind}\u0000${host}`, { gateway, tls });
        return;
      }
      const skipped = clashes.some((c) => c.bothTls);
      const others = [...new Set(clashes.map((c) => nameOf(c.other)))];
      // IST0145 ConflictingGateways (gateway/conflictinggateway.go)
      ctx.report(
        gateway.source,
        ['spec', 'servers', s, 'hosts'],
        'error',
        'IST0145',
        `${someOf(clashes.map((c) => c.host))} on port ${port} ` +
          `${clashes.length > 1 ? 'are' : 'is'} also served by ${someOf(others)} for the same ` +
          `gateway workloads (selector ${selector || 'none'}). ` +
          (skipped
            ? 'Both are TLS servers: istiod skips this whole server (duplicate host names), ' +
              'so its TLS settings never apply.'
            : 'The servers share one route configuration, so the VirtualServices of both Gateways ' +
              'compete for the host.'),
      );
    });
  }
}

function serviceEntryConflicts(ctx: AnalyzerContext): void {
  for (const entries of ctx.allHosts()) {
    if (entries.length < 2) continue;
    const hostname = entries[0]?.hostname ?? '';
    const services = entries.filter((e) => e.kind === 'Service');
    const serviceEntries = entries.filter(
      (e): e is KnownHost & { config: IstioConfigModel } => e.kind === 'ServiceEntry' && e.config !== undefined,
    );
    const reported = new Set<IstioConfigModel>();
    for (const se of serviceEntries) {
      const path = [
        'spec',
        'hosts',
        strings(field(se.config.spec, 'hosts')).findIndex((h) => h.toLowerCase() === hostname),
      ];
      const service = services[0];
      if (service) {
        // pilot/pkg/model/push_context.go: initServiceRegistry; sidecar.go: appendSidecarServices — a Kubernetes
        // Service wins.
        const sameNamespace = services.some((s) => s.namespace === se.namespace);
        ctx.report(
          se.source,
          path,
          'warning',
          'SERVICE_ENTRY_HOST_CONFLICT',
          sameNamespace
            ? `The Kubernetes Service ${service.namespace}/${service.source.name} has the host ` +
                `${hostname}, and a Kubernetes Service always wins over a ServiceEntry: this entry's ` +
                'ports, resolution and endpoints are ignored for it.'
            : `The Kubernetes Service ${service.namespace}/${service.source.name} has the host ` +
                `${hostname}: proxies in namespace ${se.namespace} use this ServiceEntry instead (their ` +
                'own namespace comes first), every other proxy uses the Service.',
        );
        reported.add(se.config);
        continue;
      }
      const older = serviceEntries.find((o) => o.order < se.order && o.config !== se.config);
      if (!older || reported.has(se.config)) continue;
      reported.add(se.config);
      const sameNamespace = older.namespace === se.namespace;
      const differs = (a: KnownHost, b: KnownHost) =>
        a.ports.map((p) => `${p.number}/${p.protocol}`).join() !==
          b.ports.map((p) => `${p.number}/${p.protocol}`).join() ||
        field(a.config?.spec, 'resolution') !== field(b.config?.spec, 'resolution');
      ctx.report(
        se.source,
        path,
        sameNamespace && differs(older, se) ? 'warning' : 'info',
        'SERVICE_ENTRY_HOST_CONFLICT',
        sameNamespace
          ? `ServiceEntry ${nameOf(older.config ?? older.source)} (older) also has the host ` +
              `${hostname} in this namespace: Istio keeps its ports and resolution for the host and ` +
              `merges the endpoints of both. ${CREATION_ORDER}.`
          : `ServiceEntry ${nameOf(older.config ?? older.source)} also has the host ${hostname}: ` +
              `proxies in namespace ${se.namespace} use this one (their own namespace comes first), ` +
              'proxies elsewhere use the older one.',
      );
    }
    // IST0177 ConflictingServiceEntryProtocol (serviceentry/conflictingserviceentries.go)
    const protocols = new Map<number, Map<string, KnownHost>>();
    for (const se of serviceEntries)
      for (const p of se.ports) {
        const byProtocol = protocols.get(p.number) ?? new Map<string, KnownHost>();
        if (!byProtocol.has(p.protocol)) byProtocol.set(p.protocol, se);
        protocols.set(p.number, byProtocol);
      }
    for (const [port, byProtocol] of protocols) {
      if (byProtocol.size < 2) continue;
      const owners = [...byProtocol.values()];
      for (const se of owners.slice(1))
        ctx.report(
          se.source,
          ['spec', 'ports'],
          'warning',
          'IST0177',
          `ServiceEntries ${someOf(owners.map((o) => nameOf(o.config ?? o.source)))} define ` +
            `${hostname} port ${port} with different protocols ` +
            `(${[...byProtocol.keys()].join(', ')}): a proxy builds one listener for it, with the ` +
            'protocol of the entry it picks.',
        );
    }
  }
}

/**
 * Sidecars that apply to the same workload (sidecar/selector.go; push_context.go: initSidecarScopes takes the oldest).
 */
function sidecarConflicts(ctx: AnalyzerContext): void {
  const namespaceWide = new Map<string, IstioConfigModel[]>();
  const byPod = new Map<PodModel, IstioConfigModel[]>();
  for (const sidecar of [...ctx.istio('Sidecar')].sort(byOrder)) {
    const labels = toStringMap(field(field(sidecar.spec, 'workloadSelector'), 'labels'));
    if (labels.size === 0) {
      namespaceWide.set(sidecar.namespace, [...(namespaceWide.get(sidecar.namespace) ?? []), sidecar]);
      continue;
    }
    for (const pod of ctx.selectPods(sidecar.namespace, labels)) byPod.set(pod, [...(byPod.get(pod) ?? []), sidecar]);
  }
  for (const [namespace, sidecars] of namespaceWide) {
    if (sidecars.length < 2) continue;
    for (const sidecar of sidecars.slice(1))
      // IST0111 MultipleSidecarsWithoutWorkloadSelectors
      ctx.report(
        sidecar.source,
        ['metadata', 'name'],
        'error',
        'IST0111',
        `Sidecars ${someOf(sidecars.map(nameOf))} in namespace ${namespace} have no workload ` +
          `selector: istiod uses the oldest, ${nameOf(sidecars[0] ?? sidecar)}, and ignores this ` +
          `one. ${CREATION_ORDER}.`,
      );
  }
  const reported = new Set<IstioConfigModel>();
  for (const [pod, sidecars] of byPod) {
    if (sidecars.length < 2) continue;
    for (const sidecar of sidecars.slice(1)) {
      if (reported.has(sidecar)) continue;
      reported.add(sidecar);
      // IST0110 ConflictingSidecarWorkloadSelectors
      ctx.report(
        sidecar.source,
        ['spec', 'workloadSelector'],
        'error',
        'IST0110',
        `Pod ${pod.namespace}/${pod.name} is selected by Sidecars ` +
          `${someOf(sidecars.map(nameOf))}: istiod uses the oldest, ` +
          `${nameOf(sidecars[0] ?? sidecar)}, for it. ${CREATION_ORDER}.`,
      );
    }
  }
}

export function analyzeConflicts(ctx: AnalyzerContext): void {
  virtualServiceConflicts(ctx);
  destinationRuleConflicts(ctx);
  gatewayConflicts(ctx);
  serviceEntryConflicts(ctx);
  sidecarConflicts(ctx);
}
