// Fidelity against Istio's own tests: the inbound cluster a request reaches on the server, per target port, and where
// that cluster sends it (pilot/pkg/networking/core/sidecar_simulation_test.go: TestInboundClusters). Istio lists the
// inbound clusters and calls each; here a meshed client calls the server's Services and pod.
import { describe, expect, it } from 'vitest';
import { doc, istio, meshConfig, namespace, pod, service, traceSummary } from '../testkit.ts';

const base = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  pod('client', 'default', { labels: { app: 'client' }, ip: '10.1.0.5' }),
  pod('backend', 'default', { labels: { app: 'backend' }, ip: '1.2.3.4' }),
);
const backend = (name: string, ip: string, targets: [number, number]) =>
  service(name, 'default', {
    clusterIP: ip,
    selector: { app: 'backend' },
    ports: [
      { port: 80, name: 'http-default', targetPort: targets[0] },
      { port: 81, name: 'http-other', targetPort: targets[1] },
    ],
  });
const localhost = meshConfig('inboundTrafficPolicy: {mode: LOCALHOST}');

const inboundOf = (text: string, to: string, port: number) =>
  traceSummary(text, { from: 'default/client', to, port, protocol: 'http' }).in;

describe('inbound clusters per target port (sidecar_simulation_test.go: TestInboundClusters)', () => {
  for (const mode of ['PASSTHROUGH', 'LOCALHOST'] as const) {
    const target = (port: number) => (mode === 'LOCALHOST' ? `127.0.0.1:${port}` : `1.2.3.4:${port}`);
    const withMode = (...docs: string[]) => doc(base, ...(mode === 'LOCALHOST' ? [localhost] : []), ...docs);
    describe(mode, () => {
      it('single service, multiple instance: one inbound cluster per target port', () => {
        const text = withMode(backend('backend', '1.1.1.1', [8080, 8081]));
        expect(inboundOf(text, 'backend', 80)).toMatchObject({ cluster: 'inbound|8080||', endpoint: target(8080) });
        expect(inboundOf(text, 'backend', 81)).toMatchObject({ cluster: 'inbound|8081||', endpoint: target(8081) });
      });
      it('multiple services with the same service port, different targets', () => {
        const text = withMode(
          backend('backend', '1.1.1.1', [8080, 8081]),
          backend('backend-alt', '1.1.1.2', [8082, 8083]),
        );
        expect(inboundOf(text, 'backend', 81)?.cluster).toBe('inbound|8081||');
        expect(inboundOf(text, 'backend-alt', 80)).toMatchObject({ cluster: 'inbound|8082||', endpoint: target(8082) });
        expect(inboundOf(text, 'backend-alt', 81)?.cluster).toBe('inbound|8083||');
      });
      it('multiple services with the same service port and target share the inbound cluster', () => {
        const text = withMode(
          backend('backend', '1.1.1.1', [8080, 8081]),
          backend('backend-alt', '1.1.1.2', [8080, 8081]),
        );
        expect(inboundOf(text, 'backend', 80)?.cluster).toBe('inbound|8080||');
        expect(inboundOf(text, 'backend-alt', 80)?.cluster).toBe('inbound|8080||');
        expect(inboundOf(text, 'backend-alt', 81)?.cluster).toBe('inbound|8081||');
      });
    });
  }

  const ingress = (...listeners: Array<{ port: number; defaultEndpoint?: string }>) =>
    istio(
      'Sidecar',
      'sidecar',
      'default',
      `workloadSelector: {labels: {app: backend}}\ningress:\n${listeners
        .map(
          (l) =>
            `- port: {number: ${l.port}, protocol: HTTP, name: http-${l.port}}` +
            (l.defaultEndpoint ? `\n  defaultEndpoint: "${l.defaultEndpoint}"` : ''),
        )
        .join('\n')}`,
    );
  const ingressCases: Array<[string, string | undefined, string | undefined]> = [
    ['ingress to same port', '127.0.0.1:80', '127.0.0.1:80'],
    ['ingress to different port', '127.0.0.1:8080', '127.0.0.1:8080'],
    ['ingress to instance IP', '0.0.0.0:8080', '1.2.3.4:8080'],
    ['ingress without default endpoint', undefined, '1.2.3.4:80'],
    ['ingress to socket', 'unix:///socket', '/socket'],
  ];
  for (const [name, defaultEndpoint, endpoint] of ingressCases) {
    it(`Sidecar ${name}`, () => {
      const text = doc(base, ingress({ port: 80, defaultEndpoint }));
      expect(inboundOf(text, '1.2.3.4', 80)).toMatchObject({ cluster: 'inbound|80||', endpoint });
    });
  }
  it('Sidecar multiple ingress', () => {
    const text = doc(
      base,
      ingress({ port: 80, defaultEndpoint: '127.0.0.1:8080' }, { port: 81, defaultEndpoint: '127.0.0.1:8080' }),
    );
    expect(inboundOf(text, '1.2.3.4', 80)).toMatchObject({ cluster: 'inbound|80||', endpoint: '127.0.0.1:8080' });
    expect(inboundOf(text, '1.2.3.4', 81)).toMatchObject({ cluster: 'inbound|81||', endpoint: '127.0.0.1:8080' });
  });
});
