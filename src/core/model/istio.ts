import { isRecord } from '../manifest/parse.ts';
import type { FieldPath, ObjectReader } from '../manifest/reader.ts';
import type { IstioConfigModel, ObjectSource } from './mesh.ts';

function enumValue(reader: ObjectReader, path: FieldPath, allowed: readonly string[]): string | undefined {
  const value = reader.string(path);
  if (value !== undefined && !allowed.includes(value)) {
    reader.report(
      'error',
      'INVALID_VALUE',
      `${path[path.length - 1] ?? 'value'} must be one of ${allowed.join(', ')}, not ${value}; istiod rejects ` +
        `this ${reader.object.kind}.`,
      path,
    );
    return undefined;
  }
  return value;
}

function checkDestination(reader: ObjectReader, path: FieldPath): void {
  reader.string([...path, 'destination', 'host'], { required: 'every route destination needs a host' });
  reader.string([...path, 'destination', 'subset']);
  reader.port([...path, 'destination', 'port', 'number']);
  reader.integer([...path, 'weight']);
}

/**
 * The fields istiod's validation requires of each kind (pkg/config/validation/validation.go), checked with positions.
 */
const CHECKS: Record<string, (reader: ObjectReader) => void> = {
  VirtualService: (reader) => {
    const hosts = reader.stringList(['spec', 'hosts']);
    const gateways = reader.stringList(['spec', 'gateways']);
    const http = reader.list(['spec', 'http']);
    const tcp = reader.list(['spec', 'tcp']);
    const tls = reader.list(['spec', 'tls']);
    if (hosts.length === 0) {
      // No hosts: a delegate, only used when another VirtualService delegates to it.
      if (gateways.length > 0 || tcp.length > 0 || tls.length > 0) {
        reader.report(
          'error',
          'MISSING_FIELD',
          'A VirtualService without hosts is a delegate: it may have only http routes, no gateways, tcp or ' +
            'tls; istiod rejects this one.',
          ['spec'],
          true,
        );
      } else {
        reader.report(
          'warning',
          'MISSING_FIELD',
          'This VirtualService has no hosts: it applies only as a delegate of another VirtualService, never on ' +
            'its own.',
          ['spec'],
          true,
        );
      }
    }
    const boundToMesh = gateways.length === 0 || gateways.includes('mesh');
    hosts.forEach((host, index) => {
      if (host === '*' && boundToMesh)
        reader.report(
          'error',
          'INVALID_VALUE',
          'The host * is not allowed for a VirtualService that applies to sidecars (the mesh gateway); istiod ' +
            'rejects it.',
          ['spec', 'hosts', index],
        );
    });
    if (http.length === 0 && tcp.length === 0 && tls.length === 0) {
      reader.report(
        'error',
        'MISSING_FIELD',
        'A VirtualService needs http, tcp or tls routes; istiod rejects this one.',
        ['spec'],
        true,
      );
    }
    http.forEach((_, index) => {
      const path = ['spec', 'http', index];
      const routes = reader.list([...path, 'route']);
      const hasAction =
        routes.length > 0 ||
        ['redirect', 'directResponse', 'delegate'].some((key) => reader.get([...path, key]) !== undefined);
      if (!hasAction)
        reader.report(
          'error',
          'MISSING_FIELD',
          `http[${index}] needs a route, redirect, directResponse or delegate.`,
          path,
        );
      routes.forEach((__, routeIndex) => checkDestination(reader, [...path, 'route', routeIndex]));
    });
    for (const protocol of ['tcp', 'tls'] as const) {
      reader.list(['spec', protocol]).forEach((_, index) => {
        reader
          .list(['spec', protocol, index, 'route'])
          .forEach((__, routeIndex) => checkDestination(reader, ['spec', protocol, index, 'route', routeIndex]));
      });
    }
    reader.stringList(['spec', 'exportTo']);
  },
  DestinationRule: (reader) => {
    reader.string(['spec', 'host'], { required: 'istiod rejects a DestinationRule without a host' });
    const names = new Set<string>();
    reader.list(['spec', 'subsets']).forEach((_, index) => {
      const name = reader.string(['spec', 'subsets', index, 'name'], { required: 'every subset needs a name' });
      reader.stringMap(['spec', 'subsets', index, 'labels']);
      if (name !== undefined && names.has(name))
        reader.report(
          'error',
          'INVALID_VALUE',
          `Subset ${name} is defined twice; istiod rejects this DestinationRule.`,
          ['spec', 'subsets', index, 'name'],
        );
      if (name !== undefined) names.add(name);
    });
    enumValue(reader, ['spec', 'trafficPolicy', 'tls', 'mode'], ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL']);
    reader.stringList(['spec', 'exportTo']);
  },
  ServiceEntry: (reader) => {
    const hosts = reader.stringList(['spec', 'hosts'], { required: 'istiod rejects a ServiceEntry without hosts' });
    if (hosts.length === 0 && reader.get(['spec', 'hosts']) !== undefined)
      reader.report('error', 'MISSING_FIELD', 'A ServiceEntry needs at least one host.', ['spec', 'hosts']);
    hosts.forEach((host, index) => {
      if (host === '*')
        reader.report('error', 'INVALID_VALUE', 'A ServiceEntry host cannot be a bare *; istiod rejects it.', [
          'spec',
          'hosts',
          index,
        ]);
    });
    reader.stringList(['spec', 'addresses']);
    reader.list(['spec', 'ports']).forEach((_, index) => {
      reader.port(['spec', 'ports', index, 'number'], { required: 'every ServiceEntry port needs a number' });
      reader.port(['spec', 'ports', index, 'targetPort']);
      enumValue(
        reader,
        ['spec', 'ports', index, 'protocol'],
        ['HTTP', 'HTTPS', 'GRPC', 'HTTP2', 'MONGO', 'TCP', 'TLS', 'UDP', 'GRPC-WEB', 'MYSQL', 'REDIS', 'HTTP_PROXY'],
      );
    });
    enumValue(reader, ['spec', 'resolution'], ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS']);
    enumValue(reader, ['spec', 'location'], ['MESH_EXTERNAL', 'MESH_INTERNAL']);
    reader.list(['spec', 'endpoints']).forEach((_, index) => reader.string(['spec', 'endpoints', index, 'address']));
    if (reader.get(['spec', 'workloadSelector']) !== undefined && reader.list(['spec', 'endpoints']).length > 0) {
      reader.report(
        'error',
        'INVALID_VALUE',
        'workloadSelector and endpoints cannot both be set; istiod rejects this ServiceEntry.',
        ['spec', 'workloadSelector'],
        true,
      );
    }
    reader.stringList(['spec', 'exportTo']);
  },
  Sidecar: (reader) => {
    reader.list(['spec', 'egress']).forEach((_, index) => {
      const hosts = reader.stringList(['spec', 'egress', index, 'hosts'], {
        required: 'every egress listener needs hosts',
      });
      hosts.forEach((host, hostIndex) => {
        if (!host.includes('/'))
          reader.report(
            'error',
            'INVALID_VALUE',
            `Egress host "${host}" must be namespace/host (for example ./${host} or */${host}); istiod rejects it.`,
            ['spec', 'egress', index, 'hosts', hostIndex],
          );
      });
      reader.port(['spec', 'egress', index, 'port', 'number']);
    });
    enumValue(reader, ['spec', 'outboundTrafficPolicy', 'mode'], ['ALLOW_ANY', 'REGISTRY_ONLY']);
    reader.stringMap(['spec', 'workloadSelector', 'labels']);
  },
  Gateway: (reader) => {
    const servers = reader.list(['spec', 'servers'], { required: 'istiod rejects a Gateway without servers' });
    servers.forEach((_, index) => {
      const path = ['spec', 'servers', index];
      reader.port([...path, 'port', 'number'], { required: 'every server needs a port number' });
      enumValue(
        reader,
        [...path, 'port', 'protocol'],
        ['HTTP', 'HTTPS', 'GRPC', 'HTTP2', 'MONGO', 'TCP', 'TLS', 'GRPC-WEB', 'HTTP_PROXY'],
      );
      reader.stringList([...path, 'hosts'], { required: 'every server needs hosts' });
      enumValue(
        reader,
        [...path, 'tls', 'mode'],
        ['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'],
      );
    });
    reader.stringMap(['spec', 'selector']);
  },
  PeerAuthentication: (reader) => {
    enumValue(reader, ['spec', 'mtls', 'mode'], ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']);
    const portLevel = reader.mapping(['spec', 'portLevelMtls']);
    for (const port of Object.keys(portLevel ?? {})) {
      enumValue(reader, ['spec', 'portLevelMtls', port, 'mode'], ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']);
    }
    reader.stringMap(['spec', 'selector', 'matchLabels']);
  },
  AuthorizationPolicy: (reader) => {
    enumValue(reader, ['spec', 'action'], ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']);
    reader.list(['spec', 'rules']);
    reader.stringMap(['spec', 'selector', 'matchLabels']);
  },
  RequestAuthentication: (reader) => {
    reader.list(['spec', 'jwtRules']);
  },
  WorkloadEntry: (reader) => {
    reader.string(['spec', 'address']);
    reader.stringMap(['spec', 'labels']);
    reader.string(['spec', 'serviceAccount']);
  },
  WorkloadGroup: (reader) => {
    reader.stringMap(['spec', 'metadata', 'labels']);
    reader.stringMap(['spec', 'template', 'labels']);
  },
};

export function readIstioConfig(reader: ObjectReader, source: ObjectSource, order: number): IstioConfigModel {
  CHECKS[reader.object.kind]?.(reader);
  const spec = reader.mapping(['spec']);
  return {
    kind: reader.object.kind,
    apiVersion: reader.object.apiVersion,
    name: reader.object.name,
    namespace: reader.object.namespace ?? 'default',
    labels: reader.stringMap(['metadata', 'labels']),
    annotations: reader.stringMap(['metadata', 'annotations']),
    spec: isRecord(spec) ? spec : {},
    status: reader.get(['status']),
    order,
    source,
  };
}
