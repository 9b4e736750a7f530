import type { SourceRange } from '../manifest/diagnostic.ts';
import type { LabelSelector } from '../model/labels.ts';

/** Types the mesh model holds for ambient mode (kept apart so that model/mesh.ts imports nothing else from here). */

export type DataPlaneMode = 'sidecar' | 'gateway' | 'ambient' | 'none';

/** Which data plane carries a pod's traffic, and why, in words. */
export interface DataPlane {
  mode: DataPlaneMode;
  reason: string;
}

export type WaypointTrafficType = 'service' | 'workload' | 'all' | 'none';

/**
 * A Gateway of class istio-waypoint, as istiod's ambient index keeps it
 * (pilot/pkg/serviceregistry/ambient/waypoints.go).
 */
export interface WaypointModel {
  name: string;
  namespace: string;
  /** `istio.io/waypoint-for` on the Gateway (else its GatewayClass), `service` by default. */
  trafficType: WaypointTrafficType;
  /** allowedRoutes of the HBONE listener on 15008 (waypoints.go: makeAllowedRoutes), `Same` without one. */
  allowedFrom: { from: 'All' | 'Same' | 'Selector'; selector: LabelSelector | undefined };
  hasHboneListener: boolean;
  /** False when istiod would not list the waypoint: its Gateway has no address because no pod of it is ready. */
  ready: boolean;
  notReadyReason: string | undefined;
  /** The Service in front of its pods (named like the Gateway). */
  serviceName: string;
  /** The Gateway (the model's ObjectSource shape; that type lives in model/mesh.ts, which imports this file). */
  source: { kind: string; namespace: string | undefined; name: string; file: string; range: SourceRange };
}
