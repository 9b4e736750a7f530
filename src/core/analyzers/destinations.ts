import { field, isRecord } from '../manifest/parse.ts';
import type { FieldPath } from '../manifest/reader.ts';
import type { IstioConfigModel } from '../model/mesh.ts';
import { resolveGatewayName } from '../scope/virtualServices.ts';
import { list, parentDomains, strings, type AnalyzerContext } from './context.ts';

/** One destination a VirtualService names (route, tcp, tls or mirror), with the path of its `destination` field. */
export interface VsDestination {
  protocol: 'http' | 'tcp' | 'tls';
  mirror: boolean;
  /** Index of the rule in spec.http / spec.tcp / spec.tls. */
  rule: number;
  /** The host as written, and expanded like istiod does relative to the VirtualService's namespace. */
  written: string;
  host: string;
  subset: string | undefined;
  port: number | undefined;
  weight: unknown;
  /** Path of the `destination` mapping. */
  path: FieldPath;
}

/**
 * Every destination of a VirtualService's routes and mirrors, in spec order (virtualservice/util.go:
 * getRouteDestinations).
 */
export function vsDestinations(ctx: AnalyzerContext, vs: IstioConfigModel): VsDestination[] {
  const cache = ctx.memo('vsDestinations', () => new WeakMap<IstioConfigModel, VsDestination[]>());
  const cached = cache.get(vs);
  if (cached) return cached;
  const out: VsDestination[] = [];
  cache.set(vs, out);
  const add = (
    protocol: VsDestination['protocol'],
    rule: number,
    mirror: boolean,
    destination: unknown,
    path: FieldPath,
    weight: unknown,
  ) => {
    const host = field(destination, 'host');
    if (typeof host !== 'string' || host === '') return;
    const subset = field(destination, 'subset');
    const port = field(field(destination, 'port'), 'number');
    out.push({
      protocol,
      mirror,
      rule,
      written: host,
      host: ctx.resolveHost(host, vs.namespace),
      subset: typeof subset === 'string' && subset !== '' ? subset : undefined,
      port: typeof port === 'number' ? port : undefined,
      weight,
      path,
    });
  };
  for (const protocol of ['http', 'tcp', 'tls'] as const) {
    list(field(vs.spec, protocol)).forEach((rule, r) => {
      list(field(rule, 'route')).forEach((entry, d) =>
        add(
          protocol,
          r,
          false,
          field(entry, 'destination'),
          ['spec', protocol, r, 'route', d, 'destination'],
          field(entry, 'weight'),
        ),
      );
      if (protocol !== 'http') return;
      if (isRecord(field(rule, 'mirror')))
        add(protocol, r, true, field(rule, 'mirror'), ['spec', 'http', r, 'mirror'], undefined);
      list(field(rule, 'mirrors')).forEach((m, d) =>
        add(protocol, r, true, field(m, 'destination'), ['spec', 'http', r, 'mirrors', d, 'destination'], undefined),
      );
    });
  }
  return out;
}

/**
 * The gateways a VirtualService is bound to, `mesh` or `namespace/name`; `[mesh]` when it lists none (push_context.go:
 * getGatewayNames).
 */
export function vsGateways(vs: IstioConfigModel): Array<{ name: string; index: number | undefined }> {
  const written = strings(field(vs.spec, 'gateways'));
  if (written.length === 0) return [{ name: 'mesh', index: undefined }];
  return written.map((g, index) => ({ name: resolveGatewayName(g, vs.namespace), index }));
}

export const boundToMesh = (vs: IstioConfigModel): boolean => vsGateways(vs).some((g) => g.name === 'mesh');

/** A VirtualService's hosts, expanded relative to its namespace, with their index in spec.hosts. */
export function vsHosts(ctx: AnalyzerContext, vs: IstioConfigModel): Array<{ host: string; index: number }> {
  return list(field(vs.spec, 'hosts')).flatMap((h, index) =>
    typeof h === 'string' && h !== '' ? [{ host: ctx.resolveHost(h, vs.namespace), index }] : [],
  );
}

/** The host a DestinationRule is for, expanded relative to its namespace. */
export function drHost(ctx: AnalyzerContext, dr: IstioConfigModel): string | undefined {
  const host = field(dr.spec, 'host');
  return typeof host === 'string' && host !== '' ? ctx.resolveHost(host, dr.namespace) : undefined;
}

/** A DestinationRule's subsets: name and labels, with their index. */
export interface Subset {
  name: string;
  labels: ReadonlyMap<string, string>;
  index: number;
}

const subsetsCache = new WeakMap<IstioConfigModel, Subset[]>();

export function drSubsets(dr: IstioConfigModel): Subset[] {
  const cached = subsetsCache.get(dr);
  if (cached) return cached;
  const subsets = list(field(dr.spec, 'subsets')).flatMap((s, index) => {
    const name = field(s, 'name');
    if (typeof name !== 'string') return [];
    const labels = new Map<string, string>();
    const written = field(s, 'labels');
    if (isRecord(written)) for (const [k, v] of Object.entries(written)) if (typeof v === 'string') labels.set(k, v);
    return [{ name, labels, index }];
  });
  subsetsCache.set(dr, subsets);
  return subsets;
}

/** exportTo as written, `.` replaced by the namespace; the mesh default when empty. */
export function exportSet(written: unknown, namespace: string, meshDefault: readonly string[]): Set<string> {
  const values = strings(written);
  return new Set((values.length > 0 ? values : meshDefault).map((e) => (e === '.' ? namespace : e)));
}

/**
 * DestinationRules by resolved host, and wildcard ones by the domain they cover (`*.foo.com` → `foo.com`), oldest
 * first.
 */
export function destinationRuleIndex(ctx: AnalyzerContext): {
  exact: Map<string, IstioConfigModel[]>;
  wildcard: Map<string, IstioConfigModel[]>;
} {
  return ctx.memo('destinationRules', () => {
    const exact = new Map<string, IstioConfigModel[]>();
    const wildcard = new Map<string, IstioConfigModel[]>();
    for (const dr of ctx.istio('DestinationRule')) {
      const host = drHost(ctx, dr);
      if (!host) continue;
      const [map, key] =
        host === '*' ? [wildcard, ''] : host.startsWith('*.') ? [wildcard, host.slice(2)] : [exact, host];
      const found = map.get(key);
      if (found) found.push(dr);
      else map.set(key, [dr]);
    }
    return { exact, wildcard };
  });
}

/** The DestinationRules whose host is `host` or a wildcard covering it, exact ones first. */
export function destinationRulesFor(ctx: AnalyzerContext, host: string): IstioConfigModel[] {
  const { exact, wildcard } = destinationRuleIndex(ctx);
  const out = [...(exact.get(host) ?? [])];
  for (const parent of [...parentDomains(host), '']) out.push(...(wildcard.get(parent) ?? []));
  return out;
}

/** `host|subset` of every subset some VirtualService routes or mirrors to. */
export function routedSubsets(ctx: AnalyzerContext): Set<string> {
  return ctx.memo('routedSubsets', () => {
    const out = new Set<string>();
    for (const vs of ctx.istio('VirtualService'))
      for (const d of vsDestinations(ctx, vs)) if (d.subset !== undefined) out.add(`${d.host}|${d.subset}`);
    return out;
  });
}
