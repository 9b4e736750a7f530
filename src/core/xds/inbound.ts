import { listenerProtocolOf } from '../registry/protocol.ts';
import { peerAuthenticationMode } from '../security/peerAuthentication.ts';
import { inboundTargetPorts } from './clusters.ts';
import { BLACKHOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER, type ProxyContext } from './context.ts';
import type { MeshModel } from '../model/mesh.ts';
import type { FilterChain, Listener, RouteConfiguration } from './types.ts';

const MTLS_HTTP_ALPNS = ['istio-http/1.0', 'istio-http/1.1', 'istio-h2'];
const MTLS_TCP_ALPNS = ['istio-peer-exchange', 'istio'];
const PLAINTEXT_HTTP_ALPNS = ['http/1.1', 'h2c'];

/**
 * The inbound listener of a sidecar, virtualInbound on 15006: per target port, the chains its mTLS mode allows
 * (pilot/pkg/networking/core/listener_inbound.go: buildInboundListeners; filterchain_options.go: getFilterChainMatchOptions),
 * plus passthrough chains for undeclared ports and the loop guard.
 */
export function buildInboundListener(
  ctx: ProxyContext,
  model: MeshModel,
): { listener: Listener; routes: RouteConfiguration[] } {
  const chains: FilterChain[] = [
    {
      name: 'virtualInbound-blackhole',
      match: { destinationPort: 15006 },
      action: { kind: 'tcp', clusters: [{ name: BLACKHOLE_CLUSTER, weight: 100 }] },
      service: undefined,
      sources: [],
    },
  ];
  const routes: RouteConfiguration[] = [];
  for (const port of inboundTargetPorts(ctx)) {
    const mtls = peerAuthenticationMode(model, ctx.pod.namespace, ctx.pod.labels, port.targetPort);
    const sources = mtls.source ? [port.service.source, mtls.source] : [port.service.source];
    const name = `0.0.0.0_${port.targetPort}`;
    const cluster = `inbound|${port.targetPort}||`;
    const http = { kind: 'http-inline' as const, routeConfigName: cluster };
    const tcp = { kind: 'tcp' as const, clusters: [{ name: cluster, weight: 100 }] };
    const chain = (
      match: FilterChain['match'],
      action: FilterChain['action'],
      tls: FilterChain['tls'],
    ): FilterChain => ({
      name,
      match: { destinationPort: port.targetPort, ...match },
      action,
      service: port.service.hostname,
      tls,
      sources,
    });
    const protocol = listenerProtocolOf(port.protocol);
    if (protocol === 'HTTP' || protocol === 'AUTO') {
      routes.push({
        name: cluster,
        virtualHosts: [
          {
            name: `inbound|http|${port.targetPort}`,
            domains: ['*'],
            routes: [
              {
                name: 'default',
                match: {
                  path: { kind: 'prefix', value: '/', ignoreCase: false },
                  headers: [],
                  queryParameters: [],
                  description: 'any request',
                },
                action: {
                  kind: 'route',
                  clusters: [
                    {
                      name: cluster,
                      weight: 100,
                      host: port.service.hostname,
                      subset: undefined,
                      port: port.targetPort,
                    },
                  ],
                  timeout: '0s',
                  retries: undefined,
                  prefixRewrite: undefined,
                  hostRewrite: undefined,
                  mirrors: [],
                  fault: undefined,
                },
                virtualService: undefined,
                sources,
              },
            ],
            sources,
          },
        ],
      });
    }
    if (protocol === 'HTTP') {
      if (mtls.mode !== 'DISABLE')
        chains.push(
          chain(
            {
              transportProtocol: 'tls',
              ...(mtls.mode === 'PERMISSIVE' ? { applicationProtocols: MTLS_HTTP_ALPNS } : {}),
            },
            http,
            'mtls',
          ),
        );
      if (mtls.mode !== 'STRICT') chains.push(chain({ transportProtocol: 'raw_buffer' }, http, 'plaintext'));
    } else if (protocol === 'TCP') {
      if (mtls.mode !== 'DISABLE')
        chains.push(
          chain(
            {
              transportProtocol: 'tls',
              ...(mtls.mode === 'PERMISSIVE' ? { applicationProtocols: MTLS_TCP_ALPNS } : {}),
            },
            tcp,
            'mtls',
          ),
        );
      if (mtls.mode === 'PERMISSIVE') chains.push(chain({ transportProtocol: 'tls' }, tcp, 'passthrough-tls'));
      if (mtls.mode !== 'STRICT') chains.push(chain({ transportProtocol: 'raw_buffer' }, tcp, 'plaintext'));
    } else if (protocol === 'AUTO') {
      if (mtls.mode !== 'DISABLE') {
        chains.push(chain({ transportProtocol: 'tls', applicationProtocols: MTLS_HTTP_ALPNS }, http, 'mtls'));
        chains.push(
          chain(
            {
              transportProtocol: 'tls',
              ...(mtls.mode === 'PERMISSIVE' ? { applicationProtocols: MTLS_TCP_ALPNS } : {}),
            },
            tcp,
            'mtls',
          ),
        );
      }
      if (mtls.mode === 'PERMISSIVE') chains.push(chain({ transportProtocol: 'tls' }, tcp, 'passthrough-tls'));
      if (mtls.mode !== 'STRICT') {
        chains.push(
          chain({ transportProtocol: 'raw_buffer', applicationProtocols: PLAINTEXT_HTTP_ALPNS }, http, 'plaintext'),
        );
        chains.push(chain({ transportProtocol: 'raw_buffer' }, tcp, 'plaintext'));
      }
    }
  }
  // Undeclared ports: passthrough chains built with the workload's default mode.
  const fallback = peerAuthenticationMode(model, ctx.pod.namespace, ctx.pod.labels, undefined);
  const passthrough = { kind: 'tcp' as const, clusters: [{ name: INBOUND_PASSTHROUGH_CLUSTER, weight: 100 }] };
  if (fallback.mode !== 'DISABLE')
    chains.push({
      name: 'virtualInbound',
      match: { transportProtocol: 'tls' },
      action: passthrough,
      service: undefined,
      tls: 'mtls',
      sources: fallback.source ? [fallback.source] : [],
    });
  if (fallback.mode !== 'STRICT')
    chains.push({
      name: 'virtualInbound',
      match: { transportProtocol: 'raw_buffer' },
      action: passthrough,
      service: undefined,
      tls: 'plaintext',
      sources: fallback.source ? [fallback.source] : [],
    });
  return {
    listener: {
      name: 'virtualInbound',
      address: '0.0.0.0',
      port: 15006,
      kind: 'virtualInbound',
      bindToPort: true,
      protocol: 'TCP',
      filterChains: chains,
      defaultFilterChain: undefined,
      services: [],
      droppedServices: [],
    },
    routes,
  };
}
