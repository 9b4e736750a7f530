/**
 * Egress: what leaves a proxy, and what a user may think is blocked. A Sidecar's egress hosts filter configuration,
 * they do not block traffic under ALLOW_ANY; a ServiceEntry without addresses claims a whole port, or has no IP at all.
 */
import { field } from '../manifest/parse.ts';
import { isWildcard } from '../model/host.ts';
import type { IstioConfigModel } from '../model/mesh.ts';
import { listenerProtocolOf, parseProtocol } from '../registry/protocol.ts';
import { list, nameOf, parentDomains, someOf, strings, type AnalyzerContext, type KnownHost } from './context.ts';
import { boundToMesh, destinationRulesFor, vsHosts } from './destinations.ts';

/** Known hosts by namespace, in input order. */
function hostsByNamespace(ctx: AnalyzerContext): Map<string, KnownHost[]> {
  return ctx.memo('hostsByNamespace', () => {
    const out = new Map<string, KnownHost[]>();
    for (const entries of ctx.allHosts())
      for (const host of entries) {
        if (host.externalName) continue;
        const found = out.get(host.namespace);
        if (found) found.push(host);
        else out.set(host.namespace, [host]);
      }
    return out;
  });
}

/** VirtualServices bound to the mesh, by each of their hosts. */
function meshVirtualServices(ctx: AnalyzerContext): Map<string, IstioConfigModel> {
  return ctx.memo('meshVirtualServicesByHost', () => {
    const out = new Map<string, IstioConfigModel>();
    for (const vs of [...ctx.istio('VirtualService')].sort((a, b) => a.order - b.order))
      if (boundToMesh(vs)) for (const { host } of vsHosts(ctx, vs)) if (!out.has(host)) out.set(host, vs);
    return out;
  });
}

/** A Sidecar's egress hosts as imports (pilot/pkg/model/sidecar.go: hostClassification), `.` as its own namespace. */
function readImports(ctx: AnalyzerContext, sidecar: IstioConfigModel) {
  const allNamespaces = new Set<string>();
  const exact = new Set<string>();
  const wildcard = new Set<string>();
  let everything = false;
  for (const listener of list(field(sidecar.spec, 'egress')))
    for (const written of strings(field(listener, 'hosts'))) {
      const slash = written.indexOf('/');
      if (slash < 0 || written.startsWith('~')) continue;
      const part = written.slice(0, slash);
      // The root namespace's Sidecar reads `.` as each client's own namespace: counted as importing every namespace.
      const ns = part === '.' ? (sidecar.namespace === ctx.rootNamespace ? '*' : sidecar.namespace) : part;
      const host = written.slice(slash + 1).toLowerCase();
      if (host === '*') {
        if (ns === '*') everything = true;
        else allNamespaces.add(ns);
      } else if (isWildcard(host)) wildcard.add(`${ns}/${host.slice(2)}`);
      else exact.add(`${ns}/${host}`);
    }
  const imports = (k: KnownHost) => {
    if (allNamespaces.has(k.namespace)) return true;
    for (const ns of [k.namespace, '*']) {
      if (exact.has(`${ns}/${k.hostname}`)) return true;
      const bare = isWildcard(k.hostname) ? k.hostname.slice(2) : k.hostname;
      for (const parent of isWildcard(k.hostname) ? [bare, ...parentDomains(bare)] : parentDomains(bare))
        if (wildcard.has(`${ns}/${parent}`)) return true;
    }
    return false;
  };
  return { everything, allNamespaces, imports };
}

function sidecarHidesHosts(ctx: AnalyzerContext, sidecar: IstioConfigModel): void {
  const written = field(field(sidecar.spec, 'outboundTrafficPolicy'), 'mode');
  const mode =
    written === 'REGISTRY_ONLY' || written === 'ALLOW_ANY' ? written : ctx.model.meshConfig.outboundTrafficPolicy;
  if (mode !== 'ALLOW_ANY' || list(field(sidecar.spec, 'egress')).length === 0) return;
  const { everything, allNamespaces, imports } = readImports(ctx, sidecar);
  if (everything) return;
  // A few examples are enough: stop early, and skip whole namespaces the Sidecar imports.
  const hidden: KnownHost[] = [];
  for (const [namespace, hosts] of hostsByNamespace(ctx)) {
    if (allNamespaces.has(namespace)) continue;
    for (const host of hosts) {
      if (!imports(host) && !hidden.some((h) => h.hostname === host.hostname)) hidden.push(host);
      if (hidden.length > 3) break;
    }
    if (hidden.length > 3) break;
  }
  if (hidden.length === 0) return;
  const vsByHost = meshVirtualServices(ctx);
  const bypassed = hidden.flatMap((h) => {
    const vs = vsByHost.get(h.hostname);
    const dr = destinationRulesFor(ctx, h.hostname)[0];
    const config = [vs ? `VirtualService ${nameOf(vs)}` : '', dr ? `DestinationRule ${nameOf(dr)}` : ''].filter(
      (c) => c,
    );
    return config.length > 0 ? [`${h.hostname} has ${config.join(' and ')}, which these calls skip`] : [];
  });
  const examples = hidden.slice(0, 3).map((h) => h.hostname);
  // pilot/pkg/networking/core/listener_builder.go: buildOutboundCatchAllNetworkFiltersOnly — unknown traffic goes to
  // PassthroughCluster under ALLOW_ANY, with no TLS (cluster_builder.go: buildDefaultPassthroughCluster).
  ctx.report(
    sidecar.source,
    ['spec', 'egress'],
    'info',
    'SIDECAR_HIDES_HOSTS',
    `Under ALLOW_ANY, leaving hosts out of a Sidecar's egress hosts does not block them: ` +
      'proxies using this Sidecar still reach ' +
      `${someOf(examples)}${hidden.length > 3 ? ' and others' : ''} through ` +
      'PassthroughCluster, without their VirtualServices, DestinationRules or mTLS (a STRICT ' +
      `destination refuses them)${bypassed.length > 0 ? `; ${bypassed[0] ?? ''}` : ''}. To ` +
      'block them, set outboundTrafficPolicy REGISTRY_ONLY or use an AuthorizationPolicy.',
  );
}

/**
 * Whether proxies use auto-allocated addresses: only with DNS capture (pilot/pkg/model/service.go:
 * nodeUsesAutoallocatedIPs).
 */
const meshCapturesDns = (ctx: AnalyzerContext) =>
  ctx.model.meshConfig.defaultProxyMetadata.get('ISTIO_META_DNS_CAPTURE') === 'true';

function serviceEntryAddresses(ctx: AnalyzerContext, se: IstioConfigModel): void {
  if (strings(field(se.spec, 'addresses')).length > 0) return;
  if (list(field(se.status, 'addresses')).length > 0 && meshCapturesDns(ctx)) return;
  const resolution = field(se.spec, 'resolution') ?? 'NONE';
  const hasEndpoints = list(field(se.spec, 'endpoints')).length > 0 || field(se.spec, 'workloadSelector') !== undefined;
  const hosts = someOf(strings(field(se.spec, 'hosts')));
  const optedOut = se.labels.get('networking.istio.io/enable-autoallocate-ip')?.toLowerCase() === 'false';
  // Auto-allocated addresses exist only for resolution other than NONE, and only DNS-capturing proxies use them
  // (pilot/pkg/networking/serviceentry/ip_autoallocation.go: shouldV2AutoAllocateIPFromPieces).
  const withoutAddress = resolution === 'NONE' || optedOut || !meshCapturesDns(ctx);
  list(field(se.spec, 'ports')).forEach((port, i) => {
    const number = field(port, 'number');
    if (typeof number !== 'number') return;
    const protocolText = field(port, 'protocol');
    const protocol = typeof protocolText === 'string' ? protocolText.toUpperCase() : '';
    if ((protocol === '' || protocol === 'TCP') && withoutAddress && !(resolution === 'NONE' && hasEndpoints)) {
      // IST0134 ServiceEntryAddressesRequired (serviceentry/protocoladdresses.go); the listener it leads to is
      // pilot/pkg/networking/core/listener.go: buildSidecarOutboundListener (0.0.0.0:port, match-all TCP chain).
      ctx.report(
        se.source,
        ['spec', 'ports', i],
        'warning',
        'IST0134',
        'This ServiceEntry has no addresses, so ' +
          `proxies${resolution === 'NONE' ? '' : ' without DNS capture'} give port ${number} a ` +
          `0.0.0.0:${number} listener whose TCP chain matches any destination: every ` +
          `${protocol === '' ? 'non-HTTP ' : ''}connection they open to port ${number}, to any ` +
          `IP, goes to ${hosts}, and REGISTRY_ONLY no longer blocks that port. Add addresses, or ` +
          'set the protocol (HTTP, TLS) if it is one.',
      );
    } else if (resolution === 'NONE' && !hasEndpoints && listenerProtocolOf(parseProtocol(protocol)) === 'HTTP') {
      // pkg/dns/server/name_table.go: BuildNameTable leaves out a NONE entry without endpoints.
      ctx.report(
        se.source,
        ['spec', 'ports', i],
        'info',
        'SERVICE_ENTRY_NO_ADDRESS',
        `With resolution NONE and no addresses, Istio gives ${hosts} no IP, not even through ` +
          'its DNS proxy: the app resolves it through real DNS and the request goes to whatever ' +
          'IP it dialed (the original destination), routed by its Host header. A name real DNS ' +
          'does not know never reaches the proxy.',
      );
    }
  });
}

export function analyzeEgress(ctx: AnalyzerContext): void {
  for (const sidecar of ctx.istio('Sidecar')) sidecarHidesHosts(ctx, sidecar);
  for (const se of ctx.istio('ServiceEntry')) serviceEntryAddresses(ctx, se);
}
