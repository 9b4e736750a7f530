import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, meshEnds } from '../../core/index.ts';
import { arrivesElsewhere, endsByObject, portLabel, requestTo } from './clickTrace.ts';

const { destinations } = meshEnds(
  analyze([
    {
      name: 'manifests.yaml',
      text: readFileSync(
        new URL('../../../fixtures/scenarios/ingress-gateway/manifests.yaml', import.meta.url),
        'utf8',
      ),
    },
  ]).model,
);
const byObject = endsByObject(destinations);
const only = (id: string) => {
  const end = byObject.get(id)?.[0];
  if (!end) throw new Error(`no destination for ${id}`);
  return end;
};

describe('the request a click makes', () => {
  it('uses the short name from the Service’s own namespace, name.ns from another, and clears the old details', () => {
    const sleep = only('Service/application/sleep');
    expect(requestTo(sleep, 80, 'application/sleep', 'application/sleep-abc')).toEqual({
      from: 'application/sleep',
      to: 'http://sleep/',
      port: '',
      protocol: '',
      path: '',
      sni: '',
      address: '',
    });
    expect(requestTo(sleep, 80, 'istio-system/istio-egressgateway', undefined).to).toBe('http://sleep.application/');
  });

  it('asks which port of a host with several, and names each', () => {
    const google = only('ServiceEntry/application/google');
    expect(google.ports.map((p) => portLabel(google, p.port, 'application/sleep'))).toEqual([
      'google.com:80 (http)',
      'google.com:443 (tls)',
    ]);
    expect(requestTo(google, 443, 'application/sleep', undefined).to).toBe('google.com:443');
  });

  it('traces a gateway host from its gateway pod, unless the source already is one', () => {
    const yuya = only('Gateway/application/yuya-gateway');
    expect(arrivesElsewhere(yuya, 'application/sleep-abc')).toBe(true);
    expect(requestTo(yuya, 80, 'application/sleep', 'application/sleep-abc')).toMatchObject({
      from: 'istio-system/istio-ingressgateway',
      to: 'http://yuya.example.com/',
    });
    const gatewayPod = yuya.gatewayPods[0];
    expect(arrivesElsewhere(yuya, gatewayPod)).toBe(false);
    expect(requestTo(yuya, 80, 'istio-system/istio-ingressgateway', gatewayPod).from).toBe(
      'istio-system/istio-ingressgateway',
    );
    // The VirtualService that names the host offers it too.
    expect(byObject.get('VirtualService/application/yuya')?.[0]).toBe(yuya);
  });
});
