import type { ManifestObject } from '../manifest/parse.ts';
import type { FieldPath, ObjectReader } from '../manifest/reader.ts';
import type { ObjectSource } from '../model/mesh.ts';

/** The API group of the Kubernetes Gateway API. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

export function isGatewayApiObject(object: Pick<ManifestObject, 'apiVersion'>): boolean {
  return object.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`);
}

export type RouteKind = 'HTTPRoute' | 'GRPCRoute' | 'TCPRoute' | 'TLSRoute';
export const ROUTE_KINDS: readonly RouteKind[] = ['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute'];

/** One object as read, with the reader that places diagnostics on its lines. */
export interface Read {
  name: string;
  namespace: string;
  order: number;
  /** metadata.creationTimestamp, `''` when the manifests leave it out (objects applied together share a second). */
  created: string;
  source: ObjectSource;
  reader: ObjectReader;
}

export interface GatewayClassObject extends Read {
  controllerName: string | undefined;
}

export interface ListenerObject {
  index: number;
  name: string;
  hostname: string | undefined;
  port: number;
  protocol: string;
  tlsMode: string | undefined;
  certificateRefs: number;
  /** allowedRoutes.namespaces.from: Same (default), All or Selector. */
  from: string;
  selector: unknown;
  /** allowedRoutes.kinds; empty means the kinds the protocol supports. */
  kinds: Array<{ group: string; kind: string }>;
}

export interface GatewayObject extends Read {
  className: string;
  listeners: ListenerObject[];
  /** spec.allowedListeners.namespaces: which namespaces' ListenerSets may add listeners (None by default). */
  allowedListeners: { from: string; selector: unknown };
  addresses: Array<{ type: string; value: string }>;
  annotations: ReadonlyMap<string, string>;
  infrastructureLabels: ReadonlyMap<string, string>;
}

/** A ListenerSet: listeners added to a parent Gateway from its own namespace (gateway_collection.go). */
export interface ListenerSetObject extends Read {
  parent: { group: string; kind: string; namespace: string; name: string };
  listeners: ListenerObject[];
}

export interface ParentRef {
  index: number;
  group: string;
  kind: string;
  namespace: string;
  name: string;
  sectionName: string | undefined;
  port: number | undefined;
}

export interface RouteObject extends Read {
  kind: RouteKind;
  hostnames: string[];
  parentRefs: ParentRef[];
  rules: unknown[];
}

export interface ReferenceGrantObject extends Read {
  from: Array<{ group: string; kind: string; namespace: string }>;
  to: Array<{ group: string; kind: string; name: string | undefined }>;
}

export interface GatewayApiObjects {
  classes: GatewayClassObject[];
  gateways: GatewayObject[];
  routes: RouteObject[];
  grants: ReferenceGrantObject[];
  listenerSets: ListenerSetObject[];
}

const PROTOCOL =
  /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$/;
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECTION_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function enumOf(reader: ObjectReader, path: FieldPath, allowed: readonly string[]): string | undefined {
  const value = reader.string(path);
  if (value !== undefined && !allowed.includes(value)) {
    reader.report(
      'error',
      'INVALID_VALUE',
      `${String(path[path.length - 1])} must be one of ${allowed.join(', ')}, not ${value}; ` +
        `the API server rejects this ${reader.object.kind}.`,
      path,
    );
    return undefined;
  }
  return value;
}

function maxItems(reader: ObjectReader, path: FieldPath, items: unknown[], max: number): void {
  if (items.length > max)
    reader.report(
      'error',
      'INVALID_VALUE',
      `At most ${max} ${String(path[path.length - 1])} are allowed (${items.length} here); ` +
        `the API server rejects this ${reader.object.kind}.`,
      path,
    );
}

function hostname(reader: ObjectReader, path: FieldPath): string | undefined {
  const value = reader.string(path);
  if (value !== undefined && !HOSTNAME.test(value))
    reader.report(
      'error',
      'INVALID_VALUE',
      `"${value}" is not a valid hostname (lowercase DNS name, optionally starting with *.; no IP, no port); ` +
        'the API server rejects it.',
      path,
    );
  return value !== undefined && HOSTNAME.test(value) ? value : undefined;
}

function readListener(reader: ObjectReader, index: number, listenerSet = false): ListenerObject | undefined {
  const path = ['spec', 'listeners', index];
  const name = reader.string([...path, 'name'], { required: 'every listener needs a name' });
  if (name !== undefined && !SECTION_NAME.test(name))
    reader.report('error', 'INVALID_VALUE', `Listener name "${name}" must be a lowercase DNS label.`, [
      ...path,
      'name',
    ]);
  const protocol = reader.string([...path, 'protocol'], { required: 'every listener needs a protocol' });
  // gatewaycommon/gateway_utils.go: ListenerEntryPortNumber — a ListenerSet's HTTP and HTTPS listeners default to 80
  // and 443.
  const defaultPort = listenerSet ? (protocol === 'HTTP' ? 80 : protocol === 'HTTPS' ? 443 : undefined) : undefined;
  const port =
    reader.port([...path, 'port'], defaultPort === undefined ? { required: 'every listener needs a port' } : {}) ??
    defaultPort;
  if (protocol !== undefined && !PROTOCOL.test(protocol))
    reader.report('error', 'INVALID_VALUE', `"${protocol}" is not a valid listener protocol.`, [...path, 'protocol']);
  const host = hostname(reader, [...path, 'hostname']);
  const tlsMode = enumOf(reader, [...path, 'tls', 'mode'], ['Terminate', 'Passthrough']);
  const from = enumOf(reader, [...path, 'allowedRoutes', 'namespaces', 'from'], ['All', 'Same', 'Selector']) ?? 'Same';
  if (from === 'Selector' && reader.get([...path, 'allowedRoutes', 'namespaces', 'selector']) === undefined)
    reader.report(
      'error',
      'MISSING_FIELD',
      'allowedRoutes.namespaces.from is Selector but no selector is set; the API server rejects this Gateway.',
      [...path, 'allowedRoutes', 'namespaces'],
    );
  if ((protocol === 'HTTP' || protocol === 'TCP' || protocol === 'UDP') && reader.get([...path, 'tls']) !== undefined)
    reader.report('error', 'INVALID_VALUE', `tls must not be set for a ${protocol} listener.`, [...path, 'tls'], true);
  if (protocol === 'HTTPS' && reader.get([...path, 'tls']) === undefined)
    reader.report('error', 'MISSING_FIELD', 'An HTTPS listener needs tls; the API server rejects this Gateway.', path);
  const kinds = reader.list([...path, 'allowedRoutes', 'kinds']).flatMap((_, k) => {
    const kind = reader.string([...path, 'allowedRoutes', 'kinds', k, 'kind'], { required: 'every kind needs a kind' });
    return kind === undefined
      ? []
      : [{ group: reader.string([...path, 'allowedRoutes', 'kinds', k, 'group']) ?? GATEWAY_API_GROUP, kind }];
  });
  if (name === undefined || port === undefined || protocol === undefined) return undefined;
  return {
    index,
    name,
    hostname: host,
    port,
    protocol,
    tlsMode: tlsMode ?? (reader.get([...path, 'tls']) !== undefined ? 'Terminate' : undefined),
    certificateRefs: reader.list([...path, 'tls', 'certificateRefs']).length,
    from,
    selector: reader.get([...path, 'allowedRoutes', 'namespaces', 'selector']),
    kinds,
  };
}

function uniqueListeners(reader: ObjectReader, listeners: ListenerObject[]): void {
  const seen = new Set<string>();
  for (const listener of listeners) {
    if (seen.has(listener.name))
      reader.report(
        'error',
        'INVALID_VALUE',
        `Listener name ${listener.name} is used twice; the API server rejects this ${reader.object.kind} ` +
          '(names must be unique).',
        ['spec', 'listeners', listener.index, 'name'],
      );
    seen.add(listener.name);
  }
}

function readListenerSet(reader: ObjectReader, base: Read): ListenerSetObject {
  const items = reader.list(['spec', 'listeners'], { required: 'a ListenerSet needs listeners' });
  maxItems(reader, ['spec', 'listeners'], items, 64);
  const listeners = items.flatMap((_, index) => readListener(reader, index, true) ?? []);
  uniqueListeners(reader, listeners);
  const name = reader.string(['spec', 'parentRef', 'name'], { required: 'a ListenerSet needs a parentRef' }) ?? '';
  return {
    ...base,
    parent: {
      group: reader.string(['spec', 'parentRef', 'group']) ?? GATEWAY_API_GROUP,
      kind: reader.string(['spec', 'parentRef', 'kind']) ?? 'Gateway',
      namespace: reader.string(['spec', 'parentRef', 'namespace']) ?? base.namespace,
      name,
    },
    listeners,
  };
}

function readGateway(reader: ObjectReader, base: Read): GatewayObject {
  const className =
    reader.string(['spec', 'gatewayClassName'], { required: 'a Gateway needs a gatewayClassName' }) ?? '';
  const items = reader.list(['spec', 'listeners'], { required: 'a Gateway needs listeners' });
  if (items.length === 0 && reader.get(['spec', 'listeners']) !== undefined)
    reader.report('error', 'MISSING_FIELD', 'A Gateway needs at least one listener.', ['spec', 'listeners']);
  maxItems(reader, ['spec', 'listeners'], items, 64);
  const listeners = items.flatMap((_, index) => readListener(reader, index) ?? []);
  uniqueListeners(reader, listeners);
  const addresses = reader.list(['spec', 'addresses']).flatMap((_, index) => {
    const value = reader.string(['spec', 'addresses', index, 'value'], { required: 'every address needs a value' });
    const type = reader.string(['spec', 'addresses', index, 'type']) ?? 'IPAddress';
    return value === undefined ? [] : [{ type, value }];
  });
  const from =
    enumOf(reader, ['spec', 'allowedListeners', 'namespaces', 'from'], ['All', 'Same', 'Selector', 'None']) ?? 'None';
  return {
    ...base,
    className,
    listeners,
    allowedListeners: { from, selector: reader.get(['spec', 'allowedListeners', 'namespaces', 'selector']) },
    addresses,
    annotations: reader.stringMap(['metadata', 'annotations']),
    infrastructureLabels: reader.stringMap(['spec', 'infrastructure', 'labels']),
  };
}

function readParentRefs(reader: ObjectReader, namespace: string): ParentRef[] {
  const items = reader.list(['spec', 'parentRefs']);
  maxItems(reader, ['spec', 'parentRefs'], items, 32);
  return items.flatMap((_, index) => {
    const path = ['spec', 'parentRefs', index];
    const name = reader.string([...path, 'name'], { required: 'every parentRef needs a name' });
    if (name === undefined) return [];
    const port = reader.port([...path, 'port']);
    const sectionName = reader.string([...path, 'sectionName']);
    return [
      {
        index,
        group: reader.string([...path, 'group']) ?? GATEWAY_API_GROUP,
        kind: reader.string([...path, 'kind']) ?? 'Gateway',
        namespace: reader.string([...path, 'namespace']) ?? namespace,
        name,
        sectionName,
        port,
      },
    ];
  });
}

const PATH_TYPES = ['Exact', 'PathPrefix', 'RegularExpression'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];
const HTTP_FILTERS = [
  'RequestHeaderModifier',
  'ResponseHeaderModifier',
  'RequestMirror',
  'RequestRedirect',
  'URLRewrite',
  'ExtensionRef',
  'CORS',
];

function checkBackendRefs(reader: ObjectReader, path: FieldPath): void {
  const items = reader.list([...path, 'backendRefs']);
  maxItems(reader, [...path, 'backendRefs'], items, 16);
  items.forEach((_, index) => {
    const ref = [...path, 'backendRefs', index];
    reader.string([...ref, 'name'], { required: 'every backendRef needs a name' });
    reader.port([...ref, 'port']);
    const weight = reader.integer([...ref, 'weight']);
    if (weight !== undefined && (weight < 0 || weight > 1_000_000))
      reader.report('error', 'INVALID_VALUE', 'weight must be between 0 and 1000000.', [...ref, 'weight']);
    const group = reader.string([...ref, 'group']) ?? '';
    const kind = reader.string([...ref, 'kind']) ?? 'Service';
    if (group === '' && kind === 'Service' && reader.get([...ref, 'port']) === undefined)
      reader.report(
        'error',
        'MISSING_FIELD',
        'A backendRef to a Service needs a port; the API server rejects this route.',
        ref,
        true,
      );
  });
}

function checkHttpRules(reader: ObjectReader, grpc: boolean): void {
  const rules = reader.list(['spec', 'rules']);
  maxItems(reader, ['spec', 'rules'], rules, 16);
  rules.forEach((_, index) => {
    const path = ['spec', 'rules', index];
    const matches = reader.list([...path, 'matches']);
    maxItems(reader, [...path, 'matches'], matches, grpc ? 64 : 64);
    matches.forEach((__, m) => {
      const match = [...path, 'matches', m];
      if (!grpc) {
        const type = enumOf(reader, [...match, 'path', 'type'], PATH_TYPES) ?? 'PathPrefix';
        const value = reader.string([...match, 'path', 'value']);
        if (type !== 'RegularExpression' && value !== undefined && !value.startsWith('/'))
          reader.report('error', 'INVALID_VALUE', `A ${type} path must start with /.`, [...match, 'path', 'value']);
        enumOf(reader, [...match, 'method'], METHODS);
        reader.list([...match, 'queryParams']).forEach((___, q) => {
          reader.string([...match, 'queryParams', q, 'name'], { required: 'every query param match needs a name' });
          reader.string([...match, 'queryParams', q, 'value'], { required: 'every query param match needs a value' });
          enumOf(reader, [...match, 'queryParams', q, 'type'], ['Exact', 'RegularExpression']);
        });
      } else {
        enumOf(reader, [...match, 'method', 'type'], ['Exact', 'RegularExpression']);
        if (
          reader.get([...match, 'method']) !== undefined &&
          reader.get([...match, 'method', 'service']) === undefined &&
          reader.get([...match, 'method', 'method']) === undefined
        )
          reader.report('error', 'MISSING_FIELD', 'A gRPC method match needs a service or a method.', [
            ...match,
            'method',
          ]);
      }
      reader.list([...match, 'headers']).forEach((___, h) => {
        reader.string([...match, 'headers', h, 'name'], { required: 'every header match needs a name' });
        reader.string([...match, 'headers', h, 'value'], { required: 'every header match needs a value' });
        enumOf(reader, [...match, 'headers', h, 'type'], ['Exact', 'RegularExpression']);
      });
    });
    reader.list([...path, 'filters']).forEach((__, f) => {
      enumOf(
        reader,
        [...path, 'filters', f, 'type'],
        grpc ? ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef'] : HTTP_FILTERS,
      );
      const type = reader.string([...path, 'filters', f, 'type']);
      // The field is the type with a lower-case first letter, except URLRewrite (urlRewrite) and CORS (cors).
      const key =
        type === undefined
          ? undefined
          : type === 'URLRewrite'
            ? 'urlRewrite'
            : type === 'CORS'
              ? 'cors'
              : type.charAt(0).toLowerCase() + type.slice(1);
      if (key !== undefined && reader.get([...path, 'filters', f, key]) === undefined)
        reader.report('error', 'MISSING_FIELD', `A ${type} filter needs its ${key} field.`, [...path, 'filters', f]);
      const code = reader.integer([...path, 'filters', f, 'requestRedirect', 'statusCode']);
      if (code !== undefined && ![301, 302, 303, 307, 308].includes(code))
        reader.report('error', 'INVALID_VALUE', 'statusCode must be one of 301, 302, 303, 307, 308.', [
          ...path,
          'filters',
          f,
          'requestRedirect',
          'statusCode',
        ]);
    });
    const filterTypes = reader
      .list([...path, 'filters'])
      .map((__, f) => reader.string([...path, 'filters', f, 'type']));
    if (filterTypes.includes('RequestRedirect') && filterTypes.includes('URLRewrite'))
      reader.report(
        'error',
        'INVALID_VALUE',
        'RequestRedirect and URLRewrite cannot both be set on one rule; the API server rejects this route.',
        [...path, 'filters'],
      );
    checkBackendRefs(reader, path);
  });
}

function readRoute(reader: ObjectReader, base: Read, kind: RouteKind): RouteObject {
  const hostnames =
    kind === 'TCPRoute'
      ? []
      : reader.list(['spec', 'hostnames']).flatMap((_, index) => hostname(reader, ['spec', 'hostnames', index]) ?? []);
  if (kind === 'HTTPRoute' || kind === 'GRPCRoute') checkHttpRules(reader, kind === 'GRPCRoute');
  else {
    const rules = reader.list(['spec', 'rules'], { required: `a ${kind} needs rules` });
    maxItems(reader, ['spec', 'rules'], rules, 16);
    rules.forEach((_, index) => checkBackendRefs(reader, ['spec', 'rules', index]));
  }
  return {
    ...base,
    kind,
    hostnames,
    parentRefs: readParentRefs(reader, base.namespace),
    rules: reader.list(['spec', 'rules']),
  };
}

function readGrant(reader: ObjectReader, base: Read): ReferenceGrantObject {
  const from = reader.list(['spec', 'from'], { required: 'a ReferenceGrant needs from' }).flatMap((_, index) => {
    const path = ['spec', 'from', index];
    const kind = reader.string([...path, 'kind'], { required: 'every from needs a kind' });
    const namespace = reader.string([...path, 'namespace'], { required: 'every from needs a namespace' });
    const group = reader.string([...path, 'group'], { required: 'every from needs a group' });
    return kind === undefined || namespace === undefined ? [] : [{ group: group ?? '', kind, namespace }];
  });
  const to = reader.list(['spec', 'to'], { required: 'a ReferenceGrant needs to' }).flatMap((_, index) => {
    const path = ['spec', 'to', index];
    const kind = reader.string([...path, 'kind'], { required: 'every to needs a kind' });
    const group = reader.string([...path, 'group'], { required: 'every to needs a group' });
    return kind === undefined ? [] : [{ group: group ?? '', kind, name: reader.string([...path, 'name']) }];
  });
  return { ...base, from, to };
}

/**
 * Reads the Gateway API objects (any served version: v1, v1beta1, v1alpha2/3) and checks the fields the API server's
 * CRD schemas and CEL rules would reject (sigs.k8s.io/gateway-api config/crd), with positions.
 */
export function readGatewayApi(
  items: ReadonlyArray<{ object: ManifestObject; reader: ObjectReader; source: ObjectSource; order: number }>,
): GatewayApiObjects {
  const out: GatewayApiObjects = { classes: [], gateways: [], routes: [], grants: [], listenerSets: [] };
  for (const { object, reader, source, order } of items) {
    const base: Read = {
      name: object.name,
      namespace: object.namespace ?? 'default',
      order,
      created: reader.string(['metadata', 'creationTimestamp']) ?? '',
      source,
      reader,
    };
    if (object.kind === 'GatewayClass')
      out.classes.push({
        ...base,
        controllerName: reader.string(['spec', 'controllerName'], {
          required: 'a GatewayClass needs a controllerName',
        }),
      });
    else if (object.kind === 'Gateway') out.gateways.push(readGateway(reader, base));
    else if (object.kind === 'ReferenceGrant') out.grants.push(readGrant(reader, base));
    else if (object.kind === 'ListenerSet') out.listenerSets.push(readListenerSet(reader, base));
    else if ((ROUTE_KINDS as readonly string[]).includes(object.kind))
      out.routes.push(readRoute(reader, base, object.kind as RouteKind));
  }
  return out;
}
