/** The words for the ambient steps: ztunnel, HBONE, waypoints and why a waypoint was not used. */
import type { StepFact, WaypointChoice } from '../simulate/facts.ts';

/** The shape of steps.ts's StepWords that these steps use (steps.ts imports this file). */
interface StepWords {
  title: string;
  detail: string;
  name?: string | undefined;
}

type Fact<K extends StepFact['kind']> = Extract<StepFact, { kind: K }>;

const labelOf = (via: WaypointChoice['via']) =>
  via === 'namespace' ? "its namespace's istio.io/use-waypoint label" : 'its own istio.io/use-waypoint label';

/** Why the destination does or does not go through a waypoint. */
export function waypointWords(choice: WaypointChoice | undefined, what: string): string {
  if (!choice) return `${what} is not a Service or a pod ztunnel knows: no waypoint.`;
  if (choice.waypoint)
    return `${what} uses the waypoint ${choice.waypoint} (${labelOf(choice.via)}).${canaryWords(choice)}`;
  if (choice.optedOut) return `${what} opts out of waypoints with istio.io/use-waypoint=none.`;
  const named = choice.requested ?? '';
  switch (choice.bypass) {
    case 'missing':
      return (
        `${what}: ${labelOf(choice.via)} names the waypoint ${named}, which does not exist: istiod does not list it, ` +
        'so ztunnel bypasses it silently and sends the traffic straight to the destination ' +
        '(no L7 policy, no L7 routing).'
      );
    case 'not-ready':
      return (
        `${what}: ${labelOf(choice.via)} names the waypoint ${named}, which is not ready` +
        `${choice.notReadyReason ? ` (${choice.notReadyReason})` : ''}: until it is, ztunnel bypasses it and sends ` +
        'the traffic straight to the destination (no L7 policy, no L7 routing).'
      );
    case 'attachment-denied':
      return (
        `${what}: the waypoint ${named} does not allow this namespace ` +
        '(allowedRoutes of its HBONE listener): not used.'
      );
    case 'unsupported-traffic-type':
      return (
        `${what}: the waypoint ${named} is for ${choice.trafficType ?? 'other'} traffic ` +
        '(istio.io/waypoint-for), not this kind: not used.'
      );
    case 'cross-namespace-forbidden':
      return (
        `${what}: a ServiceEntry visible only in its namespace cannot use the waypoint ${named} ` +
        'in another: not used.'
      );
    case undefined:
      return `${what} has no istio.io/use-waypoint label, nor has its namespace: no waypoint, L4 only.`;
  }
}

function canaryWords(choice: WaypointChoice): string {
  const canary = choice.canary;
  if (!canary) return '';
  if (canary.problem)
    return (
      ` Its canary waypoint ${canary.waypoint} is ignored (${canary.problem}): ` +
      `all connections use ${canary.primary}.`
    );
  return (
    ` istio.io/use-waypoint-canary sends ${canary.weight}% of connections to ${canary.waypoint} and the rest to ` +
    `${canary.primary}; the trace follows the one taking most.`
  );
}

export function ztunnelStep(fact: Fact<'ztunnel'>, proxy: string): StepWords {
  switch (fact.by) {
    case 'outbound':
      return {
        title: `Captured by ${proxy} (outbound 15001)`,
        detail:
          `${fact.pod} is in ambient mode (${fact.reason}): istio-cni redirects its connection ` +
          `to ${fact.address}:${fact.port} to the node's ztunnel.`,
      };
    case 'destination': {
      const what = fact.service ?? fact.pod ?? `${fact.address}:${fact.port}`;
      return {
        title: `Destination ${what}`,
        detail: waypointWords(fact.waypoint, what),
        name: fact.waypoint?.waypoint,
      };
    }
    case 'plaintext':
      if (fact.from === 'waypoint')
        return {
          title: `${fact.tls ? `TLS (${fact.tls})` : 'Plaintext'} to ${fact.pod ?? fact.address}:${fact.port}`,
          detail:
            `${fact.pod ?? fact.address} ${fact.to === 'sidecar' ? 'does not take HBONE' : 'is not in the mesh'}: ` +
            `the waypoint connects to it directly${
              fact.tls ? `, originating TLS as its DestinationRule sets (${fact.tls})` : ', in plaintext'
            }.`,
        };
      return {
        title: `Plaintext to ${fact.pod ?? fact.address}:${fact.port}`,
        detail:
          fact.to === 'external'
            ? `${fact.address} is outside the mesh: ztunnel passes the connection through in plaintext.`
            : fact.to === 'sidecar'
              ? `${fact.pod ?? fact.address} has a sidecar without networking.istio.io/tunnel=http: ztunnel ` +
                `sends it plaintext, which its sidecar takes only if its PeerAuthentication is not STRICT.`
              : `${fact.pod ?? fact.address} is not in the mesh: ztunnel sends it plaintext.`,
      };
    case 'inbound':
      return {
        title: `Inbound at ${proxy} (${fact.hbone ? 'HBONE 15008' : 'plaintext 15006'})`,
        detail: fact.hbone
          ? `The destination's ztunnel ends the HBONE tunnel for ${fact.pod} on port ${fact.port}; the peer's ` +
            `identity is ${fact.principal ?? 'unknown'}. It enforces only L4 AuthorizationPolicy ` +
            `(selector-based).`
          : `${fact.pod}'s ztunnel takes a plaintext connection (the client is not in the mesh): no identity, ` +
            `and no waypoint on the way.`,
      };
  }
}

export function hboneStep(fact: Fact<'hbone'>): StepWords {
  const to =
    fact.to === 'waypoint' ? 'the waypoint' : fact.to === 'ztunnel' ? "the destination's ztunnel" : 'the sidecar';
  return {
    title: `HBONE → ${fact.address}`,
    detail:
      `mTLS with an HTTP/2 CONNECT to ${to} on port 15008, carrying the connection to ${fact.target}. A ` +
      `NetworkPolicy or firewall must allow port 15008.`,
  };
}

export function waypointStep(fact: Fact<'waypoint'>, proxy: string): StepWords {
  const what = fact.service ? `Service ${fact.service}'s address` : "the workload's address";
  if (!fact.chain)
    return {
      title: `Waypoint ${fact.waypoint}: no chain for ${fact.target}`,
      detail:
        `${proxy} ends the HBONE tunnel (connect_terminate, 15008) and hands the connection to main_internal, ` +
        `which has no filter chain for ${fact.target}: the waypoint serves no such Service port or workload.`,
    };
  return {
    title: `Waypoint ${fact.waypoint}: chain ${fact.chain}`,
    detail:
      `${proxy} ends the HBONE tunnel (connect_terminate, 15008) and hands the connection to main_internal, which ` +
      `picks the chain by ${what} and port (${fact.target}), not by the Host header` +
      (fact.http
        ? ": HTTPRoutes and VirtualServices for this Service (from its namespace or the waypoint's) route it, and " +
          'AuthorizationPolicies attached with targetRefs apply.'
        : ': a TCP chain, so no HTTP routing; L4 AuthorizationPolicies attached with targetRefs apply.'),
    name: fact.chain,
  };
}

export function waypointBypassStep(fact: Fact<'waypointBypass'>): StepWords {
  const why =
    fact.why === 'sourceNotInMesh'
      ? 'the client is not in the mesh, so no ztunnel sends its traffic to the waypoint: it reaches the ' +
        'destination directly'
      : fact.why === 'ingressWithoutLabel'
        ? fact.headless
          ? 'the Service is headless: a gateway uses a waypoint only for a Service with an address, so it sends to ' +
            'the pods directly'
          : 'an ingress gateway sends to the pods directly unless the Service has istio.io/ingress-use-waypoint=true'
        : 'this client has a sidecar: istiod gives waypoint endpoints only to ingress and east-west gateways, so ' +
          "the sidecar routes with its own config straight to the Service's pods (HBONE to their ztunnel); the " +
          "waypoint's routes and L7 policies are not applied";
  return { title: `Waypoint ${fact.waypoint} not used`, detail: `${fact.service} uses ${fact.waypoint}, but ${why}.` };
}
