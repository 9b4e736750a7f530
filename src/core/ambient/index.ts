import type { ManifestObject } from '../manifest/parse.ts';
import type { ObjectReader } from '../manifest/reader.ts';
import type { ObjectSource, PodModel } from '../model/mesh.ts';
import { GATEWAY_NAME_LABEL, readWaypoints, WAYPOINT_FOR_LABEL, type WaypointDeployment } from './waypoints.ts';

const GATEWAY_API = 'gateway.networking.k8s.io/';

/**
 * The waypoints among the manifests' Gateway API objects (read here directly, whether or not the Gateway API
 * module models them), and the pods and Services istiod deploys for them. `pods`: the pods read so far.
 */
export function waypointsFromManifests(
  objects: readonly ManifestObject[],
  readerOf: (object: ManifestObject) => ObjectReader,
  sourceOf: (object: ManifestObject) => ObjectSource,
  pods: readonly PodModel[],
): WaypointDeployment {
  const gateways = objects.flatMap((object, order) =>
    object.kind === 'Gateway' && object.apiVersion.startsWith(GATEWAY_API)
      ? [
          {
            reader: readerOf(object),
            source: sourceOf(object),
            name: object.name,
            namespace: object.namespace ?? 'default',
            order,
          },
        ]
      : [],
  );
  if (gateways.length === 0) return { waypoints: [], pods: [], services: [], assumptions: [] };
  const classTrafficTypes = new Map<string, string>();
  const services = new Set<string>();
  for (const object of objects) {
    if (object.kind === 'GatewayClass' && object.apiVersion.startsWith(GATEWAY_API)) {
      const value = readerOf(object).stringMap(['metadata', 'labels']).get(WAYPOINT_FOR_LABEL);
      if (value !== undefined) classTrafficTypes.set(object.name, value);
    } else if (object.kind === 'Service') services.add(`${object.namespace ?? 'default'}/${object.name}`);
  }
  const podsByGateway = new Map<string, Array<{ ready: boolean }>>();
  for (const pod of pods) {
    const gateway = pod.labels.get(GATEWAY_NAME_LABEL);
    if (gateway === undefined) continue;
    const key = `${pod.namespace}/${gateway}`;
    podsByGateway.set(key, [...(podsByGateway.get(key) ?? []), pod]);
  }
  return readWaypoints(gateways, classTrafficTypes, { services, podsByGateway });
}
