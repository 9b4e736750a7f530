import type { ObjectReader } from '../manifest/reader.ts';
import type {
  EndpointAddressModel,
  EndpointSliceModel,
  ObjectSource,
  ServiceModel,
  ServicePortModel,
  ServiceType,
} from './mesh.ts';

const SERVICE_TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

function protocolOf(reader: ObjectReader, path: Array<string | number>): 'TCP' | 'UDP' | 'SCTP' {
  const protocol = reader.string(path);
  if (protocol === undefined) return 'TCP';
  const known = PROTOCOLS.find((p) => p === protocol);
  if (!known) {
    reader.report(
      'error',
      'INVALID_VALUE',
      `protocol must be TCP, UDP or SCTP, not ${protocol}. (Application protocols such as HTTP go in the port ` +
        `name or appProtocol.)`,
      path,
    );
    return 'TCP';
  }
  return known;
}

/** A Kubernetes Service as written; the ClusterIP is filled in later when the manifests have none. */
export function readService(reader: ObjectReader, source: ObjectSource, order: number): ServiceModel {
  const typeText = reader.string(['spec', 'type']) ?? 'ClusterIP';
  const type = SERVICE_TYPES.find((t) => t === typeText);
  if (!type)
    reader.report('error', 'INVALID_VALUE', `spec.type must be one of ${SERVICE_TYPES.join(', ')}, not ${typeText}.`, [
      'spec',
      'type',
    ]);
  const ports: ServicePortModel[] = [];
  const seenNames = new Set<string>();
  const portList = reader.list(['spec', 'ports']);
  portList.forEach((_, index) => {
    const path = ['spec', 'ports', index];
    const port = reader.port([...path, 'port'], { required: 'every Service port needs a port number' });
    const name = reader.string([...path, 'name']);
    if (port === undefined) return;
    if (portList.length > 1 && name === undefined) {
      reader.report(
        'error',
        'MISSING_FIELD',
        'A Service with more than one port must name every port; kubectl rejects it.',
        path,
      );
    }
    if (name !== undefined) {
      if (seenNames.has(name))
        reader.report('error', 'INVALID_VALUE', `Port name ${name} is used twice in this Service.`, [...path, 'name']);
      seenNames.add(name);
    }
    ports.push({
      name,
      port,
      targetPort: reader.intOrString([...path, 'targetPort']) ?? port,
      protocol: protocolOf(reader, [...path, 'protocol']),
      appProtocol: reader.string([...path, 'appProtocol']),
      nodePort: reader.integer([...path, 'nodePort']),
    });
  });
  const externalName = reader.string(['spec', 'externalName']);
  if (type === 'ExternalName' && !externalName)
    reader.report('error', 'MISSING_FIELD', 'An ExternalName Service needs spec.externalName.', ['spec', 'type']);
  const clusterIP = reader.string(['spec', 'clusterIP']);
  const selectorValue = reader.get(['spec', 'selector']);
  return {
    name: reader.object.name,
    namespace: reader.object.namespace ?? 'default',
    type: type ?? 'ClusterIP',
    clusterIP: type === 'ExternalName' ? undefined : clusterIP === '' ? undefined : clusterIP,
    clusterIPs: reader.stringList(['spec', 'clusterIPs']),
    externalName,
    selector:
      selectorValue === undefined || selectorValue === null ? undefined : reader.stringMap(['spec', 'selector']),
    ports,
    labels: reader.stringMap(['metadata', 'labels']),
    annotations: reader.stringMap(['metadata', 'annotations']),
    internalTrafficPolicy: reader.string(['spec', 'internalTrafficPolicy']) === 'Local' ? 'Local' : 'Cluster',
    publishNotReadyAddresses: reader.boolean(['spec', 'publishNotReadyAddresses']) ?? false,
    order,
    source,
  };
}

function targetRefOf(reader: ObjectReader, path: Array<string | number>): EndpointAddressModel['targetRef'] {
  const kind = reader.string([...path, 'kind']);
  const name = reader.string([...path, 'name']);
  return kind !== undefined && name !== undefined
    ? { kind, name, namespace: reader.string([...path, 'namespace']) }
    : undefined;
}

export function readEndpointSlice(reader: ObjectReader, source: ObjectSource): EndpointSliceModel {
  const addressType =
    reader.string(['addressType'], { required: 'kubectl rejects an EndpointSlice without it' }) ?? 'IPv4';
  const ports: EndpointSliceModel['ports'] = [];
  reader.list(['ports']).forEach((_, index) => {
    const port = reader.port(['ports', index, 'port']);
    if (port === undefined) return;
    ports.push({
      name: reader.string(['ports', index, 'name']),
      port,
      protocol: reader.string(['ports', index, 'protocol']) ?? 'TCP',
      appProtocol: reader.string(['ports', index, 'appProtocol']),
    });
  });
  const endpoints: EndpointAddressModel[] = reader.list(['endpoints']).map((_, index) => {
    const path = ['endpoints', index];
    return {
      addresses: reader.stringList([...path, 'addresses'], { required: 'every endpoint needs at least one address' }),
      ready: reader.boolean([...path, 'conditions', 'ready']),
      serving: reader.boolean([...path, 'conditions', 'serving']),
      terminating: reader.boolean([...path, 'conditions', 'terminating']),
      targetRef: targetRefOf(reader, [...path, 'targetRef']),
      nodeName: reader.string([...path, 'nodeName']),
    };
  });
  return {
    name: reader.object.name,
    namespace: reader.object.namespace ?? 'default',
    serviceName: reader.stringMap(['metadata', 'labels']).get('kubernetes.io/service-name'),
    addressType,
    ports,
    endpoints,
    source,
  };
}

/** A v1 Endpoints object, read into the EndpointSlice shape (one slice per subset). */
export function readEndpoints(reader: ObjectReader, source: ObjectSource): EndpointSliceModel[] {
  return reader.list(['subsets']).map((_, subsetIndex) => {
    const base = ['subsets', subsetIndex];
    const ports: EndpointSliceModel['ports'] = [];
    reader.list([...base, 'ports']).forEach((__, index) => {
      const port = reader.port([...base, 'ports', index, 'port']);
      if (port !== undefined) {
        ports.push({
          name: reader.string([...base, 'ports', index, 'name']),
          port,
          protocol: reader.string([...base, 'ports', index, 'protocol']) ?? 'TCP',
          appProtocol: reader.string([...base, 'ports', index, 'appProtocol']),
        });
      }
    });
    const endpoints: EndpointAddressModel[] = [];
    for (const [list, ready] of [
      ['addresses', true],
      ['notReadyAddresses', false],
    ] as const) {
      reader.list([...base, list]).forEach((__, index) => {
        const ip = reader.string([...base, list, index, 'ip'], { required: 'every endpoint address needs an ip' });
        if (ip === undefined) return;
        endpoints.push({
          addresses: [ip],
          ready,
          serving: ready,
          terminating: false,
          targetRef: targetRefOf(reader, [...base, list, index, 'targetRef']),
          nodeName: reader.string([...base, list, index, 'nodeName']),
        });
      });
    }
    return {
      name: reader.object.name,
      namespace: reader.object.namespace ?? 'default',
      serviceName: reader.object.name,
      addressType: 'IPv4',
      ports,
      endpoints,
      source,
    };
  });
}
