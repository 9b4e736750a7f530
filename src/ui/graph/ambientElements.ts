import type { Trace, TraceStep, WaypointChoice } from '../../core/index.ts';

/**
 * Ambient mode in the path graph: the words on ztunnel and waypoint lanes and steps, the HBONE tunnels and plaintext
 * sends drawn as labelled edges, and the waypoint a request bypassed drawn beside the step that bypassed it.
 */

/** Which labelled edges a trace's graph draws: HBONE tunnels, plaintext sends (the legend names only those). */
export function edgeKinds(trace: Trace): { hbone: boolean; plaintext: boolean } {
  return {
    hbone: trace.steps.some((s) => edgeStep(s)?.classes.includes('hbone')),
    plaintext: trace.steps.some((s) => edgeStep(s)?.classes.includes('plaintext') || plaintextArrival(s)),
  };
}

/** `ztunnel@node-a` → `node node-a`; a pod without a node in the manifests gets `node of ns/pod`. */
function nodeWords(ztunnel: string): string {
  const node = ztunnel.replace(/^ztunnel@/, '');
  return node.startsWith('node-of-') ? `node of ${node.slice('node-of-'.length)}` : `node ${node}`;
}

/** The title of an ambient lane, or undefined for a sidecar or gateway lane. */
export function ambientLaneLabel(trace: Trace, index: number): string | undefined {
  const hop = trace.hops[index];
  if (!hop) return undefined;
  switch (hop.direction) {
    case 'ztunnel-outbound':
      return `Source ztunnel · ${nodeWords(hop.proxy)}`;
    case 'ztunnel-inbound':
      return `Destination ztunnel · ${nodeWords(hop.proxy)}`;
    case 'waypoint': {
      const fact = trace.steps.find((s) => s.hop === index && s.fact.kind === 'waypoint')?.fact;
      const gateway = fact?.kind === 'waypoint' ? ` ${fact.waypoint}` : '';
      return `Waypoint${gateway} · pod ${hop.proxy}`;
    }
    default:
      return undefined;
  }
}

/** A step drawn as the edge it stands for: an HBONE tunnel, or bytes sent in plaintext. */
export interface EdgeStep {
  label: string;
  classes: string[];
}

export function edgeStep(step: TraceStep): EdgeStep | undefined {
  const fact = step.fact;
  if (fact.kind === 'hbone') {
    const port = fact.address.slice(fact.address.lastIndexOf(':') + 1);
    return { label: `HBONE :${port} · mTLS`, classes: ['hbone'] };
  }
  if (fact.kind === 'ztunnel' && fact.by === 'plaintext') {
    const where = fact.to === 'external' ? 'outside the mesh' : fact.to === 'sidecar' ? 'to the sidecar' : 'no mesh';
    return { label: `plaintext :${fact.port} · ${where}`, classes: ['plaintext'] };
  }
  return undefined;
}

/** The edge into a step that takes a plaintext connection without a step of its own for it (ztunnel on 15006). */
export function plaintextArrival(step: TraceStep): EdgeStep | undefined {
  const fact = step.fact;
  return fact.kind === 'ztunnel' && fact.by === 'inbound' && !fact.hbone
    ? { label: 'plaintext :15006 · client not in the mesh', classes: ['plaintext'] }
    : undefined;
}

const BYPASS_WORDS: Record<NonNullable<WaypointChoice['bypass']>, string> = {
  missing: 'does not exist',
  'not-ready': 'not ready',
  'attachment-denied': 'not allowed from here',
  'unsupported-traffic-type': 'for other traffic',
  'cross-namespace-forbidden': 'other namespace',
};

const BYPASS_STEP_WORDS: Record<Extract<TraceStep['fact'], { kind: 'waypointBypass' }>['why'], string> = {
  sourceNotInMesh: 'client not in the mesh',
  ingressWithoutLabel: 'ingress without istio.io/ingress-use-waypoint',
  sidecarClient: 'sidecar client (not modelled)',
};

/** The waypoint a step went around and why, in a few words; undefined when the step bypassed none. */
export function bypassedWaypoint(step: TraceStep): { waypoint: string; why: string } | undefined {
  const fact = step.fact;
  if (fact.kind === 'waypointBypass') return { waypoint: fact.waypoint, why: BYPASS_STEP_WORDS[fact.why] };
  if (fact.kind === 'ztunnel' && fact.by === 'destination' && fact.waypoint?.bypass && fact.waypoint.requested)
    return { waypoint: fact.waypoint.requested, why: BYPASS_WORDS[fact.waypoint.bypass] };
  return undefined;
}

/** The label of an ambient step's node, or undefined for the steps every proxy has. */
export function ambientStepLabel(step: TraceStep): string | undefined {
  const fact = step.fact;
  switch (fact.kind) {
    case 'ztunnel':
      switch (fact.by) {
        case 'outbound':
          return `Capture (istio-cni)\n→ ztunnel :15001`;
        case 'destination': {
          const choice = fact.waypoint;
          const waypoint = choice?.waypoint
            ? `uses waypoint\n${choice.waypoint}`
            : choice?.bypass
              ? 'waypoint bypassed'
              : choice?.optedOut
                ? 'waypoint: opted out'
                : 'no waypoint: L4';
          // productpage.shop.svc.cluster.local → productpage.shop: the lane and the step details say the rest.
          const what = fact.service?.replace(/\.svc(\.[^.]+)*$/, '') ?? fact.pod ?? `${fact.address}:${fact.port}`;
          return `Destination\n${what}\n${waypoint}`;
        }
        case 'inbound': {
          // cluster.local/ns/shop/sa/sleep → shop/sleep (namespace and service account).
          const identity = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(fact.principal ?? '');
          const peer = identity ? `peer ${identity[1]}/${identity[2]}` : 'no peer identity';
          return `Inbound\n${fact.hbone ? 'HBONE :15008' : 'plaintext :15006'}\n${peer}`;
        }
        case 'plaintext':
          return undefined;
      }
      return undefined;
    case 'waypoint':
      return `Waypoint\nby ${fact.service ? 'Service VIP' : 'workload address'} →\n${fact.endpoint}`;
    case 'waypointBypass': {
      const bypass = bypassedWaypoint(step);
      return `Waypoint bypassed\n${fact.waypoint}\n${bypass?.why ?? ''}`;
    }
    default:
      return undefined;
  }
}
