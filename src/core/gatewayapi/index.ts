import { WORKLOAD_KINDS } from '../manifest/kinds.ts';
import type { ManifestObject } from '../manifest/parse.ts';
import type { ObjectReader } from '../manifest/reader.ts';
import type { IstioConfigModel, MeshConfig, NamespaceModel, ObjectSource, ServiceModel } from '../model/mesh.ts';
import { gatewayDeployments, type GatewayDeployment } from './deploy.ts';
import { isGatewayApiObject, readGatewayApi } from './read.ts';
import { istioConfigFromGatewayApi, managedGateways } from './translate.ts';

/** The Gateway API part of the mesh model: what istiod deploys, then (with the Services) the config it derives. */
export interface GatewayApiModel {
  deployment: GatewayDeployment;
  owns: (object: ManifestObject) => boolean;
  translate: (
    namespaces: ReadonlyMap<string, NamespaceModel>,
    services: readonly ServiceModel[],
    istio: ReadonlyMap<string, IstioConfigModel[]>,
  ) => IstioConfigModel[];
}

/**
 * Reads the Gateway API objects among `objects` and prepares their translation (pilot/pkg/config/kube/gateway,
 * pilot/pkg/config/kube/gatewaycommon). `objects` are the latest, modelled objects in input order.
 */
export function gatewayApiModel(
  objects: readonly ManifestObject[],
  readerOf: (object: ManifestObject) => ObjectReader,
  sourceOf: (object: ManifestObject) => ObjectSource,
  clusterDomain: string,
  mesh: MeshConfig,
  secrets: readonly ManifestObject[] = [],
  rankOf: (object: ManifestObject, position: number) => number = (_, position) => position,
): GatewayApiModel {
  // `order`: the rank in "oldest first", which the config istiod derives keeps (route_collections.go: the
  // VirtualService carries the route's creationTimestamp), so the oldest of a route and a VirtualService wins a host.
  const items = objects.flatMap((object, position) =>
    isGatewayApiObject(object)
      ? [{ object, reader: readerOf(object), source: sourceOf(object), order: rankOf(object, position) }]
      : [],
  );
  const read = readGatewayApi(items);
  const namespaceLabels = new Map<string, ReadonlyMap<string, string>>();
  if (read.listenerSets.length > 0)
    for (const object of objects)
      if (object.kind === 'Namespace')
        namespaceLabels.set(object.name, readerOf(object).stringMap(['metadata', 'labels']));
  const gateways = managedGateways(read, clusterDomain, (name) => namespaceLabels.get(name));
  const existing = { services: new Set<string>(), workloads: new Set<string>() };
  if (gateways.length > 0)
    for (const object of objects) {
      const key = `${object.namespace ?? 'default'}/${object.name}`;
      if (object.kind === 'Service') existing.services.add(key);
      else if (WORKLOAD_KINDS.has(object.kind)) existing.workloads.add(key);
    }
  const deployment = gatewayDeployments(gateways, existing, mesh);
  // The keys of the Secrets in the manifests that hold a value, to check certificateRefs against.
  const secretKeys = new Map<string, string[]>();
  if (gateways.length > 0)
    for (const secret of secrets) {
      const reader = readerOf(secret);
      const keys = ['data', 'stringData'].flatMap((key) =>
        [...reader.stringMap([key])].filter(([, value]) => value !== '').map(([name]) => name),
      );
      secretKeys.set(`${secret.namespace ?? 'default'}/${secret.name}`, keys);
    }
  return {
    deployment,
    owns: isGatewayApiObject,
    translate: (namespaces, services, istio) => {
      if (items.length === 0) return [];
      return istioConfigFromGatewayApi(
        {
          objects: read,
          namespaces,
          services,
          serviceEntries: istio.get('ServiceEntry') ?? [],
          virtualServices: istio.get('VirtualService') ?? [],
          clusterDomain,
          secretKeys: (namespace, name) => secretKeys.get(`${namespace}/${name}`),
        },
        gateways,
      );
    },
  };
}
