import { field, isRecord } from '../manifest/parse.ts';
import type { FieldPath } from '../manifest/reader.ts';
import type { ObjectSource } from '../model/mesh.ts';
import type { RouteObject } from './read.ts';

/** A ConfigError of istiod's route conversion (pilot/pkg/config/kube/gateway/conditions.go). */
export interface ConfigError {
  reason: string;
  message: string;
  /** Where the error is in the route, for the diagnostic. */
  path: FieldPath;
}

/** What a route's backends resolve against: the services, ServiceEntry hosts and ReferenceGrants istiod knows. */
export interface BackendContext {
  clusterDomain: string;
  /** The ports of a Service, undefined when there is no such Service. */
  servicePorts: (namespace: string, name: string) => readonly number[] | undefined;
  hostnameExists: (hostname: string) => boolean;
  backendAllowed: (
    fromKind: string,
    fromNamespace: string,
    to: { group: string; kind: string; namespace: string; name: string },
  ) => boolean;
}

/** One Istio HTTPRoute (or TCP/TLS route) made from one Gateway API rule match, with what sorting and citing need. */
export interface ConvertedRule {
  raw: Record<string, unknown>;
  source: ObjectSource;
  uriRank: number;
  uriLength: number;
  method: boolean;
  headers: number;
  queryParams: number;
}

export interface Conversion {
  rules: ConvertedRule[];
  /** The last error met; with no rules it was a hard error (computeRoute in route_collections.go). */
  error: ConfigError | undefined;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** conversion.go: createURIMatch — PathPrefix drops a trailing `/`; default PathPrefix `/`. */
function uriMatch(match: unknown): { exact?: string; prefix?: string; regex?: string } {
  const type = text(field(field(match, 'path'), 'type')) ?? 'PathPrefix';
  let value = text(field(field(match, 'path'), 'value')) ?? '/';
  if (type === 'Exact') return { exact: value };
  if (type === 'RegularExpression') return { regex: value };
  if (value !== '/') value = value.replace(/\/$/, '');
  return { prefix: value };
}

/** conversion.go: createGRPCURIMatch — gRPC service and method become the `/service/method` path. */
function grpcUriMatch(match: unknown): { exact?: string; prefix?: string; regex?: string } | undefined {
  const method = field(match, 'method');
  if (!isRecord(method)) return undefined;
  const service = text(method['service']);
  const name = text(method['method']);
  if (text(method['type']) === 'RegularExpression') return { regex: `/${service ?? '[^/]+'}/${name ?? '.+'}` };
  if (service !== undefined && name !== undefined) return { exact: `/${service}/${name}` };
  if (service !== undefined) return { prefix: `/${service}/` };
  if (name !== undefined) return { regex: `/[^/]+/${escapeRegex(name)}` };
  return undefined;
}

function stringMatches(items: unknown): Record<string, Record<string, string>> | undefined {
  const out: Record<string, Record<string, string>> = {};
  for (const item of list(items)) {
    const name = text(field(item, 'name'));
    const value = text(field(item, 'value'));
    if (name === undefined || value === undefined) continue;
    out[name] = text(field(item, 'type')) === 'RegularExpression' ? { regex: value } : { exact: value };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function headerOperations(filter: unknown): Record<string, unknown> {
  const toMap = (items: unknown) =>
    Object.fromEntries(
      list(items).flatMap((h) => {
        const name = text(field(h, 'name'));
        const value = text(field(h, 'value'));
        return name !== undefined && value !== undefined ? [[name, value]] : [];
      }),
    );
  return { add: toMap(field(filter, 'add')), set: toMap(field(filter, 'set')), remove: list(field(filter, 'remove')) };
}

/** conversion.go: createRedirectFilter — the port comes from the request unless a scheme or port is given. */
function redirect(filter: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // The API server defaults statusCode to 302 (httproute_types.go: HTTPRequestRedirectFilter.StatusCode).
  const code = field(filter, 'statusCode');
  out['redirectCode'] = typeof code === 'number' ? code : 302;
  const hostname = text(field(filter, 'hostname'));
  if (hostname !== undefined) out['authority'] = hostname;
  const scheme = text(field(filter, 'scheme'));
  if (scheme !== undefined) out['scheme'] = scheme;
  const port = field(filter, 'port');
  if (typeof port === 'number') out['port'] = port;
  else out['derivePort'] = scheme !== undefined ? 'FROM_PROTOCOL_DEFAULT' : 'FROM_REQUEST_PORT';
  const path = field(filter, 'path');
  const type = text(field(path, 'type'));
  if (type === 'ReplaceFullPath') out['uri'] = text(field(path, 'replaceFullPath')) ?? '/';
  else if (type === 'ReplacePrefixMatch') out['prefixRewrite'] = text(field(path, 'replacePrefixMatch')) ?? '/';
  return out;
}

/**
 * A CORS filter as a VirtualService corsPolicy (conversion.go: createCorsFilter): `*` is any scheme://host, an origin
 * with `*` a regex; preflight requests that match no origin go on to the backend (unmatchedPreflights IGNORE).
 */
function corsPolicy(filter: unknown): Record<string, unknown> {
  const origins = list(field(filter, 'allowOrigins')).flatMap((o): Array<Record<string, string>> =>
    typeof o !== 'string'
      ? []
      : o === '*'
        ? [{ regex: '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s?#]+$' }]
        : o.includes('*')
          ? [{ regex: `^${o.split('*').map(escapeRegex).join('.*')}$` }]
          : [{ exact: o }],
  );
  const maxAge = field(filter, 'maxAge');
  return {
    ...(origins.length > 0 ? { allowOrigins: origins } : {}),
    ...(list(field(filter, 'allowMethods')).length > 0 ? { allowMethods: list(field(filter, 'allowMethods')) } : {}),
    ...(list(field(filter, 'allowHeaders')).length > 0 ? { allowHeaders: list(field(filter, 'allowHeaders')) } : {}),
    ...(list(field(filter, 'exposeHeaders')).length > 0 ? { exposeHeaders: list(field(filter, 'exposeHeaders')) } : {}),
    ...(typeof maxAge === 'number' ? { maxAge: `${maxAge}s` } : {}),
    ...(field(filter, 'allowCredentials') === true ? { allowCredentials: true } : {}),
    unmatchedPreflights: 'IGNORE',
  };
}

/** conversion.go: createRewriteFilter. */
function rewrite(filter: unknown): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const path = field(filter, 'path');
  const type = text(field(path, 'type'));
  if (type === 'ReplacePrefixMatch')
    out['uri'] = (text(field(path, 'replacePrefixMatch')) ?? '').replace(/\/$/, '') || '/';
  else if (type === 'ReplaceFullPath')
    out['uriRegexRewrite'] = { match: '/.*', rewrite: text(field(path, 'replaceFullPath')) ?? '/' };
  const hostname = text(field(filter, 'hostname'));
  if (hostname !== undefined) out['authority'] = hostname;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * A backendRef as an Istio destination (conversion.go: buildDestination): Services by name in the route's namespace or
 * the ref's (a ReferenceGrant needed across namespaces, for gateway parents only), ServiceEntry hosts by `Hostname`.
 * Returns the destination (host `''` when it cannot be named) and the error a status would carry.
 */
function destination(
  ref: unknown,
  route: RouteObject,
  path: FieldPath,
  ctx: BackendContext,
  enforceRefGrant: boolean,
): { destination: Record<string, unknown> | undefined; error: ConfigError | undefined; hard: boolean } {
  const group = text(field(ref, 'group')) ?? '';
  const kind = text(field(ref, 'kind')) ?? 'Service';
  const name = text(field(ref, 'name')) ?? '';
  const refNamespace = text(field(ref, 'namespace'));
  const namespace = refNamespace ?? route.namespace;
  const port = field(ref, 'port');
  if (enforceRefGrant && refNamespace !== undefined && refNamespace !== route.namespace) {
    if (!ctx.backendAllowed(route.kind, route.namespace, { group, kind, namespace: refNamespace, name }))
      return {
        destination: { host: '' },
        error: {
          reason: 'RefNotPermitted',
          message:
            `backendRef ${name}/${refNamespace} not accessible to a ${route.kind} in namespace ` +
            `"${route.namespace}" (missing a ReferenceGrant?)`,
          path,
        },
        hard: false,
      };
  }
  let host: string;
  let error: ConfigError | undefined;
  // conversion.go: buildDestination — a ServiceImport is the Service of its name while MCS hosts are off (the default).
  if ((group === '' && kind === 'Service') || (group === 'multicluster.x-k8s.io' && kind === 'ServiceImport')) {
    if (kind === 'Service' && name.includes('.'))
      return {
        destination: undefined,
        error: {
          reason: 'InvalidDestination',
          message: 'service name invalid; the name of the Service must be used, not the hostname.',
          path,
        },
        hard: true,
      };
    host = `${name}.${namespace}.svc.${ctx.clusterDomain}`;
    const ports = ctx.servicePorts(namespace, name);
    if (ports === undefined) error = { reason: 'BackendNotFound', message: `backend(${host}) not found`, path };
    else if (typeof port === 'number' && !ports.includes(port)) {
      // istiod checks only that the Service exists (ResolvedRefs stays True); Envoy has no cluster for the port and
      // answers 500 (route.go: ClusterNotFoundResponseCode for gateway semantics).
      route.reader.report(
        'info',
        'ROUTE_REFS_UNRESOLVED',
        `Service ${namespace}/${name} has no port ${port}: Envoy has no cluster outbound|${port}||${host} ` +
          'and answers 500 (istiod still reports ResolvedRefs=True).',
        [...path, 'port'],
      );
      return { destination: { host, port: { number: port } }, error: undefined, hard: false };
    }
  } else if (group === 'networking.istio.io' && kind === 'Hostname') {
    if (refNamespace !== undefined)
      return {
        destination: undefined,
        error: { reason: 'InvalidDestination', message: 'namespace may not be set with Hostname type', path },
        hard: true,
      };
    host = name;
    if (!ctx.hostnameExists(host)) error = { reason: 'BackendNotFound', message: `backend(${host}) not found`, path };
  } else {
    return {
      destination: { host: '' },
      error: {
        reason: 'InvalidKind',
        message: `referencing unsupported backendRef: group "${group}" kind "${kind}"`,
        path,
      },
      hard: false,
    };
  }
  if (typeof port !== 'number')
    return {
      destination: undefined,
      error: { reason: 'InvalidDestination', message: 'port is required in backendRef', path },
      hard: true,
    };
  return { destination: { host, port: { number: port } }, error, hard: false };
}

/**
 * The weighted destinations of a rule (conversion.go: buildHTTPDestination, buildTCPDestination): weight defaults to
 * 1, weight 0 is dropped, a single backend carries no weight. An invalid backend (not found, not permitted, of an
 * unsupported kind) keeps its place and weight, so its share of requests goes to a cluster that does not exist, which
 * Envoy answers 500 (route.go: applyHTTPRouteDestination sets ClusterNotFoundResponseCode for gateway semantics).
 */
function destinations(
  route: RouteObject,
  rulePath: FieldPath,
  refs: unknown[],
  ctx: BackendContext,
  enforceRefGrant: boolean,
): { route: Array<Record<string, unknown>>; invalid: number; error: ConfigError | undefined; hard: boolean } {
  const kept = refs
    .map((ref, index) => ({
      ref,
      index,
      weight: typeof field(ref, 'weight') === 'number' ? (field(ref, 'weight') as number) : 1,
    }))
    .filter((r) => r.weight !== 0);
  const single = kept.length === 1;
  const out: Array<Record<string, unknown>> = [];
  let error: ConfigError | undefined;
  let invalid = 0;
  for (const { ref, index, weight } of kept) {
    const result = destination(ref, route, [...rulePath, 'backendRefs', index], ctx, enforceRefGrant);
    if (result.hard) return { route: [], invalid: 0, error: result.error, hard: true };
    if (result.error || !result.destination) {
      error = result.error ?? error;
      invalid++;
    }
    // conversion.go: buildHTTPDestination — a backendRef's RequestHeaderModifier becomes the destination's headers.
    const modifier = list(field(ref, 'filters')).find((f) => text(field(f, 'type')) === 'RequestHeaderModifier');
    const headers = modifier
      ? { headers: { request: headerOperations(field(modifier, 'requestHeaderModifier')) } }
      : {};
    if (result.destination) out.push({ destination: result.destination, ...(single ? {} : { weight }), ...headers });
  }
  return { route: out, invalid, error, hard: false };
}

function rank(uri: { exact?: string; prefix?: string; regex?: string } | undefined): { rank: number; length: number } {
  if (!uri) return { rank: -1, length: 0 };
  if (uri.exact !== undefined) return { rank: 3, length: uri.exact.length };
  if (uri.prefix !== undefined) return { rank: 2, length: uri.prefix.length };
  return { rank: 1, length: uri.regex?.length ?? 0 };
}

/**
 * Converts the rules of an HTTPRoute or GRPCRoute into Istio HTTP routes, one per match
 * (route_collections.go: HTTPRouteCollection splits rules by match; conversion.go: convertHTTPRoute, convertGRPCRoute).
 * The VirtualServices carry gateway route semantics, so a prefix other than `/` matches whole path segments
 * (path_separated_prefix without the trailing `/`, route.go: TranslateRouteMatch): a gRPC service's `/service/`
 * prefix takes `/service/Method`.
 */
export function convertHttpRules(route: RouteObject, ctx: BackendContext, mesh: boolean): Conversion {
  const grpc = route.kind === 'GRPCRoute';
  const rules: ConvertedRule[] = [];
  let error: ConfigError | undefined;
  for (const [n, rule] of route.rules.entries()) {
    const rulePath = ['spec', 'rules', n];
    const ruleName = text(field(rule, 'name'));
    const name = ruleName ?? `${route.namespace}.${route.name}.${n}`;
    // The API server defaults an HTTPRoute rule without matches to PathPrefix /
    // (httproute_types.go: HTTPRouteRule.Matches).
    const written = list(field(rule, 'matches'));
    const matches = written.length === 0 && !grpc ? [{}] : written;
    const split: Array<{ match: unknown; index: number | undefined }> =
      matches.length > 0
        ? matches.map((match, index) => ({ match, index: written.length > 0 ? index : undefined }))
        : [{ match: undefined, index: undefined }];
    for (const { match, index } of split) {
      const raw: Record<string, unknown> = { name };
      let uri: { exact?: string; prefix?: string; regex?: string } | undefined;
      let method = false;
      let headers = 0;
      let queryParams = 0;
      if (match !== undefined) {
        uri = grpc ? grpcUriMatch(match) : uriMatch(match);
        const headerMatch = stringMatches(field(match, 'headers'));
        const queryMatch = grpc ? undefined : stringMatches(field(match, 'queryParams'));
        const methodMatch = grpc ? undefined : text(field(match, 'method'));
        headers = Object.keys(headerMatch ?? {}).length;
        queryParams = Object.keys(queryMatch ?? {}).length;
        method = methodMatch !== undefined;
        raw['match'] = [
          {
            ...(uri ? { uri } : {}),
            ...(headerMatch ? { headers: headerMatch } : {}),
            ...(queryMatch ? { queryParams: queryMatch } : {}),
            ...(methodMatch ? { method: { exact: methodMatch } } : {}),
          },
        ];
      }
      let redirected = false;
      let mirrorError: ConfigError | undefined;
      let hardError: ConfigError | undefined;
      for (const [f, filter] of list(field(rule, 'filters')).entries()) {
        const type = text(field(filter, 'type'));
        const filterPath = [...rulePath, 'filters', f];
        if (type === 'RequestHeaderModifier')
          raw['headers'] = {
            ...(raw['headers'] as object),
            request: headerOperations(field(filter, 'requestHeaderModifier')),
          };
        else if (type === 'ResponseHeaderModifier')
          raw['headers'] = {
            ...(raw['headers'] as object),
            response: headerOperations(field(filter, 'responseHeaderModifier')),
          };
        else if (type === 'RequestRedirect' && !grpc) {
          raw['redirect'] = redirect(field(filter, 'requestRedirect'));
          redirected = true;
        } else if (type === 'URLRewrite' && !grpc) {
          const r = rewrite(field(filter, 'urlRewrite'));
          if (r) raw['rewrite'] = r;
        } else if (type === 'RequestMirror') {
          const mirror = destination(
            field(field(filter, 'requestMirror'), 'backendRef'),
            route,
            [...filterPath, 'requestMirror', 'backendRef'],
            ctx,
            !mesh,
          );
          // conversion.go: createMirrorFilter — fraction numerator/denominator, else percent, as a percentage.
          const spec = field(filter, 'requestMirror');
          const percent = field(spec, 'percent');
          const numerator = field(field(spec, 'fraction'), 'numerator');
          const denominator = field(field(spec, 'fraction'), 'denominator') ?? 100;
          const percentage =
            typeof numerator === 'number' && typeof denominator === 'number' && denominator > 0
              ? (numerator * 100) / denominator
              : typeof percent === 'number'
                ? percent
                : undefined;
          if (mirror.error) mirrorError = mirror.error;
          else if (mirror.destination)
            raw['mirrors'] = [
              ...list(raw['mirrors']),
              {
                destination: mirror.destination,
                ...(percentage !== undefined ? { percentage: { value: percentage } } : {}),
              },
            ];
        } else if (type === 'CORS' && !grpc) {
          raw['corsPolicy'] = corsPolicy(field(filter, 'cors'));
        } else {
          hardError = { reason: 'InvalidFilter', message: `unsupported filter type "${type ?? ''}"`, path: filterPath };
        }
      }
      if (hardError) return { rules: [], error: hardError };
      const refs = list(field(rule, 'backendRefs'));
      const weightSum = refs.reduce<number>(
        (sum, ref) => sum + (typeof field(ref, 'weight') === 'number' ? (field(ref, 'weight') as number) : 1),
        0,
      );
      // conversion.go: convertHTTPRoute — timeouts.request, else timeouts.backendRequest, becomes the route timeout
      // (a zero duration means none); retry (experimental) becomes retries on connection errors and the listed codes.
      const timeouts = field(rule, 'timeouts');
      const retry = field(rule, 'retry');
      const nonZero = (d: unknown) => (typeof d === 'string' && !/^0+(ms|s|m|h)?$/.test(d) ? d : undefined);
      if (isRecord(retry)) {
        const attempts = typeof retry['attempts'] === 'number' ? retry['attempts'] : 2;
        const codes = list(retry['codes']).filter((c): c is number => typeof c === 'number');
        raw['retries'] = {
          attempts,
          retryOn:
            attempts === 0 ? '' : ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', ...codes].join(','),
          ...(nonZero(field(timeouts, 'backendRequest')) ? { perTryTimeout: field(timeouts, 'backendRequest') } : {}),
        };
      }
      const timeout =
        (isRecord(retry) ? undefined : nonZero(field(timeouts, 'backendRequest'))) ??
        nonZero(field(timeouts, 'request'));
      if (timeout) raw['timeout'] = timeout;
      let ruleError = mirrorError;
      if (weightSum === 0 && !redirected) {
        // conversion.go: convertHTTPRoute — no backend with a weight above 0: 500.
        raw['directResponse'] = { status: 500 };
      } else if (!redirected) {
        const built = destinations(route, rulePath, refs, ctx, !mesh);
        if (built.hard) return { rules: [], error: built.error };
        ruleError = built.error ?? mirrorError;
        if (built.route.length === 0) raw['directResponse'] = { status: 500 };
        else raw['route'] = built.route;
      }
      if (ruleError) error = ruleError;
      const { rank: uriRank, length: uriLength } = rank(uri);
      rules.push({
        raw,
        source: {
          ...route.source,
          range: route.reader.range(index === undefined ? rulePath : [...rulePath, 'matches', index]),
        },
        uriRank,
        uriLength,
        method,
        headers,
        queryParams,
      });
    }
  }
  return { rules, error };
}

/** conversion.go: convertTCPRoute, convertTLSRoute — TLS rules match the route's hostnames as SNI. */
export function convertL4Rules(route: RouteObject, ctx: BackendContext, mesh: boolean): Conversion {
  const rules: ConvertedRule[] = [];
  let error: ConfigError | undefined;
  for (const [n, rule] of route.rules.entries()) {
    const rulePath = ['spec', 'rules', n];
    const refs = list(field(rule, 'backendRefs'));
    const built = destinations(route, rulePath, refs, ctx, !mesh);
    if (built.hard) return { rules: [], error: built.error };
    if (built.error) error = built.error;
    // conversion.go: convertTCPRoute — with no backend of weight above 0 the connection goes to a cluster that
    // does not exist (internal.cluster.local, subset zero-weight) and fails; Meshpath does the same when no backend
    // is valid.
    const raw: Record<string, unknown> = {
      route:
        built.route.length > 0
          ? built.route
          : [{ destination: { host: 'internal.cluster.local', subset: 'zero-weight', port: { number: 65535 } } }],
    };
    if (route.kind === 'TLSRoute') raw['match'] = [{ sniHosts: route.hostnames.length > 0 ? route.hostnames : ['*'] }];
    rules.push({
      raw,
      source: { ...route.source, range: route.reader.range(rulePath) },
      uriRank: -1,
      uriLength: 0,
      method: false,
      headers: 0,
      queryParams: 0,
    });
  }
  return { rules, error };
}

/**
 * Gateway API precedence among rules (conversion.go: sortHTTPRoutes): rules without matches last; then Exact >
 * PathPrefix > RegularExpression, longer first, a method match first, more header matches, more query matches;
 * ties keep their order (oldest route first, then rule order).
 */
export function sortHttpRules(rules: ConvertedRule[]): ConvertedRule[] {
  const hasMatch = (r: ConvertedRule) => field(r.raw, 'match') !== undefined;
  return [...rules].sort((a, b) => {
    if (!hasMatch(a)) return hasMatch(b) ? 1 : 0;
    if (!hasMatch(b)) return -1;
    if (a.uriRank !== b.uriRank) return b.uriRank - a.uriRank;
    if (a.uriLength !== b.uriLength) return b.uriLength - a.uriLength;
    if (a.method !== b.method) return a.method ? -1 : 1;
    if (a.headers !== b.headers) return b.headers - a.headers;
    return b.queryParams - a.queryParams;
  });
}
