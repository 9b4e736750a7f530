import { describe, expect, it } from 'vitest';
import { analyze } from '../index.ts';
import { editDistance, suggestKind } from './validate.ts';

const run = (text: string) => analyze([{ name: 'm.yaml', text }]);
// Only this stage's findings: the cross-object ones (istioctl's IST codes) have their own tests in src/core/analyzers.
const at = (text: string) =>
  run(text)
    .diagnostics.filter((d) => !d.code.startsWith('IST'))
    .map((d) => `${d.severity} ${d.code}@${d.range.start.line}:${d.range.start.column}`);
const object = (apiVersion: string, kind: string, spec = '') =>
  `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: x\n  namespace: ns\n${spec}`;

describe('kinds and API versions', () => {
  it.each([
    ['networking.istio.io/v1alpha3', 'ServiceEntry'],
    ['networking.istio.io/v1beta1', 'ServiceEntry'],
    ['networking.istio.io/v1', 'ServiceEntry'],
    ['security.istio.io/v1beta1', 'PeerAuthentication'],
    ['security.istio.io/v1', 'PeerAuthentication'],
    ['networking.k8s.io/v1', 'Ingress'],
    ['discovery.k8s.io/v1', 'EndpointSlice'],
  ])('accepts %s %s', (apiVersion, kind) => {
    const spec =
      kind === 'ServiceEntry'
        ? 'spec:\n  hosts: [a.example.com]\n'
        : kind === 'EndpointSlice'
          ? 'addressType: IPv4\n'
          : 'spec: {}\n';
    const analysis = run(object(apiVersion, kind, spec));
    expect(analysis.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(analysis.objects[0]).toMatchObject({ kind, apiVersion, modelled: true });
  });

  it('warns about a version a cluster does not serve, at the apiVersion', () => {
    expect(at(object('networking.istio.io/v2', 'DestinationRule', 'spec: {host: a}\n'))).toEqual([
      'warning UNKNOWN_API_VERSION@1:13',
    ]);
    expect(at(object('extensions/v1beta1', 'Ingress', 'spec: {}\n'))).toEqual(['warning UNKNOWN_API_VERSION@1:13']);
  });

  it('suggests the kind a misspelled one was meant to be', () => {
    const analysis = run(object('networking.istio.io/v1', 'VirtualSevice', 'spec: {hosts: [a]}\n'));
    expect(analysis.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'UNKNOWN_KIND',
        message: expect.stringContaining('did you mean VirtualService?'),
        range: expect.objectContaining({ start: { line: 2, column: 7 } }),
      }),
    ]);
    expect(analysis.objects[0]).toMatchObject({ kind: 'VirtualSevice', modelled: false });
    expect(suggestKind('virtualservice')).toBe('VirtualService');
    expect(suggestKind('DestinatonRule')).toBe('DestinationRule');
    expect(suggestKind('Certificate')).toBeUndefined();
    expect(editDistance('ab', 'ba')).toBe(1);
  });

  it('notes each kind it does not know once, at its first object, with how many objects there are', () => {
    const certificate = (name: string, line = '') =>
      `apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: ${name}\n  namespace: shop\n${line}`;
    const text = [
      certificate('web'),
      'apiVersion: example.com/v1\nkind: FooBar\nmetadata:\n  name: one\n',
      certificate('api'),
      certificate('admin'),
      // The same kind in another version of its group is the same kind.
      certificate('old').replace('cert-manager.io/v1', 'cert-manager.io/v1alpha2'),
      // A kind in the core group that does not exist is not known either.
      'apiVersion: v1\nkind: FooBar\nmetadata:\n  name: two\n',
    ].join('---\n');
    const notes = run(text).diagnostics.filter((d) => d.code === 'UNKNOWN_KIND');
    expect(notes.map((d) => [d.severity, d.range.start.line, d.range.start.column, d.message])).toEqual([
      [
        'info',
        2,
        7,
        'Meshpath does not know the kind Certificate (cert-manager.io/v1): 4 objects are listed but not used; ' +
          'this is the first.',
      ],
      ['info', 8, 7, 'Meshpath does not know the kind FooBar (example.com/v1): this object is listed but not used.'],
      ['info', 31, 7, 'Meshpath does not know the kind FooBar (v1): this object is listed but not used.'],
    ]);
    // A kind it knows, a misspelt one and an Istio group's wrong kind keep their own messages, not this note.
    expect(at(object('v1', 'Service', 'spec: {ports: [{port: 80}]}\n'))).toEqual([]);
    expect(at(object('networking.istio.io/v1', 'VirtualSevice'))).toEqual(['warning UNKNOWN_KIND@2:7']);
    expect(at(object('networking.istio.io/v1', 'Frobnicator'))).toEqual(['warning UNKNOWN_KIND@2:7']);
  });

  it('keeps a large export with many custom kinds readable: one note per kind, not per object', () => {
    const kinds = ['Certificate', 'Issuer', 'ServiceMonitor', 'PrometheusRule', 'Application'];
    const documents: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const kind = kinds[i % kinds.length] ?? 'Certificate';
      documents.push(`apiVersion: example.com/v1\nkind: ${kind}\nmetadata:\n  name: o${i}\n  namespace: ns\n`);
    }
    const notes = run(documents.join('---\n')).diagnostics.filter((d) => d.code === 'UNKNOWN_KIND');
    expect(notes.map((d) => d.message.replace(/ \(.*/, ''))).toEqual(
      kinds.map((k) => `Meshpath does not know the kind ${k}`),
    );
    expect(notes.every((d) => d.message.includes('4000 objects are listed but not used; this is the first'))).toBe(
      true,
    );
  });

  it('lists an unknown kind from another project with a note, not a complaint', () => {
    const analysis = run(object('cert-manager.io/v1', 'Certificate', 'spec: {}\n'));
    expect(analysis.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(['info UNKNOWN_KIND']);
    expect(analysis.objects).toHaveLength(1);
  });
});

describe('names', () => {
  it('rejects names Kubernetes rejects, at the name', () => {
    expect(at('apiVersion: v1\nkind: Service\nmetadata:\n  name: My_Service\n  namespace: ns\n')).toEqual([
      'error INVALID_NAME@4:9',
    ]);
    expect(at('apiVersion: v1\nkind: Service\nmetadata:\n  name: 9lives\n  namespace: ns\n')).toEqual([
      'error INVALID_NAME@4:9',
    ]);
    expect(at('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team.a\n')).toEqual(['error INVALID_NAME@4:9']);
    expect(at('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok.dotted-name\n  namespace: Bad_NS\n')).toEqual([
      'error INVALID_NAME@5:14',
    ]);
  });

  it('accepts a Service really named constructor or __proto__-like names where valid', () => {
    expect(at('apiVersion: v1\nkind: Service\nmetadata:\n  name: constructor\n  namespace: ns\n')).toEqual([]);
  });
});

describe('YAML 1.1 values kubectl reads differently', () => {
  it('flags yes/on/off and friends with the fix', () => {
    const analysis = run(object('v1', 'ConfigMap', 'data:\n  enabled: yes\n  mode: on\n  quoted: "yes"\n'));
    expect(analysis.diagnostics.map((d) => `${d.code}@${d.range.start.line}:${d.range.start.column}`)).toEqual([
      'YAML11_BOOLEAN@7:12',
      'YAML11_BOOLEAN@8:9',
    ]);
    expect(analysis.diagnostics[0]?.message).toContain('Quote it ("yes")');
  });

  it('flags leading-zero octals and base-60 numbers', () => {
    const analysis = run(object('v1', 'ConfigMap', 'data:\n  mode: 0755\n  time: 1:30\n'));
    expect(analysis.diagnostics.map((d) => d.code)).toEqual(['YAML11_NUMBER', 'YAML11_NUMBER']);
    expect(analysis.diagnostics[0]?.message).toContain('octal number 493');
  });

  it('rejects a label value that is a number, with the quoted form to write', () => {
    const text =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ns\n  labels:\n    version: 1.10\n' +
      'spec: {containers: [{name: a, image: a}]}\n';
    const problem = run(text).diagnostics.find((d) => d.code === 'WRONG_TYPE');
    expect(problem?.range.start).toEqual({ line: 7, column: 14 });
    expect(problem?.message).toContain('Quote it: "1.10"');
  });
});

describe('duplicates', () => {
  it('keeps the later of two objects with the same identity and says where the first was', () => {
    const text =
      'apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: shop}\nspec: {ports: [{port: 1}]}\n---\n' +
      'apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: shop}\nspec: {ports: [{port: 2}]}\n';
    const analysis = run(text);
    expect(analysis.diagnostics.filter((d) => d.severity !== 'info')).toEqual([
      expect.objectContaining({ code: 'DUPLICATE_OBJECT', message: expect.stringContaining('m.yaml:1') }),
    ]);
    expect(analysis.model.services.map((s) => s.ports[0]?.port)).toEqual([2]);
  });
});

describe('Istio config istiod would reject', () => {
  const istio = (kind: string, spec: string) => object('networking.istio.io/v1', kind, spec);
  it.each([
    [
      'a DestinationRule without host',
      istio('DestinationRule', 'spec:\n  subsets: [{name: v1}]\n'),
      'error MISSING_FIELD@6:1',
    ],
    ['a VirtualService without routes', istio('VirtualService', 'spec:\n  hosts: [a]\n'), 'error MISSING_FIELD@6:1'],
    [
      'a route destination without host',
      istio('VirtualService', 'spec:\n  hosts: [a]\n  http:\n  - route:\n    - destination: {subset: v1}\n'),
      'error MISSING_FIELD@10:7',
    ],
    [
      'the host * on a mesh VirtualService',
      istio('VirtualService', 'spec:\n  hosts: ["*"]\n  http: [{route: [{destination: {host: a}}]}]\n'),
      'error INVALID_VALUE@7:11',
    ],
    [
      'a ServiceEntry without hosts',
      istio('ServiceEntry', 'spec:\n  ports: [{number: 80, name: http}]\n'),
      'error MISSING_FIELD@6:1',
    ],
    [
      'a ServiceEntry with a bad resolution',
      istio('ServiceEntry', 'spec:\n  hosts: [a.com]\n  resolution: DNS_LOOKUP\n'),
      'error INVALID_VALUE@8:15',
    ],
    [
      'a Sidecar egress host without namespace',
      istio('Sidecar', 'spec:\n  egress:\n  - hosts: ["reviews.default.svc.cluster.local"]\n'),
      'error INVALID_VALUE@8:13',
    ],
    [
      'a Gateway without servers',
      istio('Gateway', 'spec:\n  selector: {istio: ingressgateway}\n'),
      'error MISSING_FIELD@6:1',
    ],
    [
      'a ServiceEntry port number as text',
      istio('ServiceEntry', 'spec:\n  hosts: [a.com]\n  ports: [{number: "443", name: https, protocol: TLS}]\n'),
      'error WRONG_TYPE@8:20',
    ],
  ])('%s', (_title, text, expected) => {
    expect(at(text)).toContain(expected);
  });

  it('warns about a VirtualService without hosts (a delegate) instead of failing', () => {
    expect(at(istio('VirtualService', 'spec:\n  http: [{route: [{destination: {host: a}}]}]\n'))).toEqual([
      'warning MISSING_FIELD@6:1',
    ]);
  });

  it('accepts a PeerAuthentication and AuthorizationPolicy of the security group', () => {
    const peerAuthentication = object('security.istio.io/v1', 'PeerAuthentication', 'spec: {mtls: {mode: STRICT}}\n');
    const denyAll = object('security.istio.io/v1', 'AuthorizationPolicy', 'spec: {action: DENY, rules: [{}]}\n');
    const text = `${peerAuthentication}---\n${denyAll.replace('name: x', 'name: deny-all')}`;
    const analysis = run(text);
    expect(analysis.diagnostics).toEqual([]);
    expect([...analysis.model.istio.keys()]).toEqual(['PeerAuthentication', 'AuthorizationPolicy']);
  });
});
