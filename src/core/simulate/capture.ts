/**
 * Whether iptables in a sidecar pod redirects a connection arriving from elsewhere to Envoy's inbound listener
 * (15006): the ISTIO_INBOUND chain istio-iptables writes from the pod's capture settings.
 */
import type { PodModel } from '../model/mesh.ts';

/** Envoy's HBONE port, which ISTIO_INBOUND (nat) returns first (run.go: InboundTunnelPort). */
export const INBOUND_TUNNEL_PORT = 15008;

/** Why an arriving connection is not redirected to Envoy. */
export type InboundCaptureRule =
  /** sidecar.istio.io/interceptionMode NONE: no istio-init, no iptables rules at all. */
  | { rule: 'interceptionNone' }
  /** 15008, returned before any include or exclude rule. */
  | { rule: 'tunnelPort'; port: number }
  /** includeInboundPorts is empty: PREROUTING never jumps to ISTIO_INBOUND. */
  | { rule: 'noInboundPorts' }
  /** includeInboundPorts lists ports, and not this one. */
  | { rule: 'notIncluded'; port: number; ports: string[] }
  /** includeInboundPorts is `*` and the port is excluded; `always`: by the injector (15090, 15021, status port). */
  | { rule: 'excluded'; port: number; always: boolean };

/** The inbound ports the injection template always excludes (injection-template.yaml: `-d 15090,15021,<status>`). */
function alwaysExcluded(pod: PodModel): number[] {
  if (pod.capture.from === 'istioInit') return [];
  const status = pod.capture.statusPort ?? 15020;
  return status > 0 ? [15090, 15021, status] : [15090, 15021];
}

/**
 * Follows ISTIO_INBOUND (tools/istio-iptables/pkg/capture/run.go: handleInboundPortsInclude): 15008 returns; an empty
 * include list installs no jump; with `*` the excluded ports return and the rest is redirected; with a list only its
 * ports are redirected (the exclusions are not consulted then). Undefined: captured.
 */
export function inboundBypass(pod: PodModel, port: number): InboundCaptureRule | undefined {
  if (pod.proxy.interceptionMode === 'NONE') return { rule: 'interceptionNone' };
  const include = pod.capture.includeInboundPorts;
  if (include.length === 0) return { rule: 'noInboundPorts' };
  // The 15008 RETURN sits in the nat table, which TPROXY's PREROUTING jump (mangle) never reaches.
  if (port === INBOUND_TUNNEL_PORT && pod.proxy.interceptionMode !== 'TPROXY') return { rule: 'tunnelPort', port };
  if (include.includes('*')) {
    if (alwaysExcluded(pod).includes(port)) return { rule: 'excluded', port, always: true };
    if (pod.capture.excludeInboundPorts.includes(port)) return { rule: 'excluded', port, always: false };
    return undefined;
  }
  return include.includes(String(port)) ? undefined : { rule: 'notIncluded', port, ports: include };
}
