import { describe, expect, it } from 'vitest';
import { analyze } from '../core/index.ts';
import { leanAnalysis } from './leanView.ts';

const meshConfig = (mode: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    outboundTrafficPolicy:
      mode: ${mode}
`;

const summary = (text: string) => leanAnalysis(analyze([{ name: 'mesh.yaml', text }])).mesh;

describe('the mesh summary the request form shows ("as the manifests say")', () => {
  it('names the mode the mesh config writes, ALLOW_ANY_DYNAMIC_DNS included', () => {
    expect(summary(meshConfig('ALLOW_ANY_DYNAMIC_DNS'))).toMatchObject({
      outboundTrafficPolicy: 'ALLOW_ANY_DYNAMIC_DNS',
      source: 'ConfigMap istio',
    });
    expect(summary(meshConfig('REGISTRY_ONLY')).outboundTrafficPolicy).toBe('REGISTRY_ONLY');
    expect(summary('apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n')).toMatchObject({
      outboundTrafficPolicy: 'ALLOW_ANY',
      source: undefined,
    });
  });
});
